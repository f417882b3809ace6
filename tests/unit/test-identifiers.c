/* test-identifiers: customs identifiers (GACC camera ids, declaration
 * numbers, wagon and container numbers), with published check-digit
 * vectors, hand-computed ones, and a fuzz loop over random input. */
#include <glib.h>
#include <string.h>

#include "identifiers.h"

static void
test_gacc_camera_id (void)
{
  g_assert_true (rvi_gacc_camera_id_valid ("34010000001310000001"));
  g_assert_true (rvi_gacc_camera_id_valid ("00000000000000000000"));
  g_assert_false (rvi_gacc_camera_id_valid ("3401000000131000000"));   /* 19 */
  g_assert_false (rvi_gacc_camera_id_valid ("340100000013100000011")); /* 21 */
  g_assert_false (rvi_gacc_camera_id_valid ("3401000000131000000A"));
  g_assert_false (rvi_gacc_camera_id_valid ("3401000000 310000001"));
  g_assert_false (rvi_gacc_camera_id_valid (""));
  g_assert_false (rvi_gacc_camera_id_valid (NULL));
}

static void
test_to_string (void)
{
  g_assert_cmpstr (rvi_id_result_to_string (RVI_ID_VALID), ==, "valid");
  g_assert_cmpstr (rvi_id_result_to_string (RVI_ID_BAD_CHECK), ==, "bad_check");
  g_assert_cmpstr (rvi_id_result_to_string (RVI_ID_NO_CHECK), ==, "no_check");
  g_assert_cmpstr (rvi_id_result_to_string (RVI_ID_MALFORMED), ==, "malformed");
  g_assert_cmpstr (rvi_wagon_kind_to_string (RVI_WAGON_UIC), ==, "uic");
  g_assert_cmpstr (rvi_wagon_kind_to_string (RVI_WAGON_R1520), ==, "r1520");
  g_assert_cmpstr (rvi_wagon_kind_to_string (RVI_WAGON_CN7), ==, "cn7");
  g_assert_cmpstr (rvi_wagon_kind_to_string (RVI_WAGON_CONTAINER), ==, "container");
  g_assert_cmpstr (rvi_wagon_kind_to_string (RVI_WAGON_UNKNOWN), ==, "unknown");
}

/* A declaration number with customs code 0104, @year, @flag and sequence
 * 000012345. */
static char *
declaration (int year, char flag)
{
  return g_strdup_printf ("0104%04d%c000012345", year, flag);
}

static void
test_declaration (void)
{
  g_autoptr (GDateTime) now = g_date_time_new_now_utc ();
  int year = g_date_time_get_year (now);
  char out[RVI_DECLARATION_NUMBER_LEN + 1];
  static const char *const bad[] = {
    "",
    "01042024100001234",     /* 17 digits */
    "0104202410000123456",   /* 19 digits */
    "0104202410000I2345",    /* a letter */
    "0104 2024 1 000012345", /* separators inside */
    "-010420241000012345",
    "+10420241000012345",
    "0104202410000012345\n1",
    "０１０４２０２４１０００００１２３４５", /* full-width digits */
  };

  for (const int *y = (const int[]){ 2000, 2024, year, year + 1, 0 }; *y; y++) {
    g_autofree char *text = declaration (*y, '1');

    g_assert_cmpint (rvi_declaration_number_check (text, out), ==, RVI_ID_VALID);
    g_assert_cmpstr (out, ==, text);
  }
  {
    g_autofree char *text = declaration (2024, '0'); /* export */
    g_autofree char *padded = g_strdup_printf ("  %s \t\n", text);

    g_assert_cmpint (rvi_declaration_number_check (text, NULL), ==, RVI_ID_VALID);
    g_assert_cmpint (rvi_declaration_number_check (padded, out), ==, RVI_ID_VALID);
    g_assert_cmpstr (out, ==, text);
  }
  {
    g_autofree char *y1999 = declaration (1999, '1');
    g_autofree char *next2 = declaration (year + 2, '1');
    g_autofree char *flag2 = declaration (2024, '2');
    g_autofree char *y0000 = declaration (0, '1');

    for (const char *const *t = (const char *const[]){ y1999, next2, flag2, y0000, NULL }; *t;
         t++) {
      memset (out, 'x', sizeof out);
      g_assert_cmpint (rvi_declaration_number_check (*t, out), ==, RVI_ID_MALFORMED);
      g_assert_cmpstr (out, ==, "");
    }
  }
  for (gsize i = 0; i < G_N_ELEMENTS (bad); i++) {
    memset (out, 'x', sizeof out);
    g_assert_cmpint (rvi_declaration_number_check (bad[i], out), ==, RVI_ID_MALFORMED);
    g_assert_cmpstr (out, ==, "");
  }
  g_assert_cmpint (rvi_declaration_number_check (NULL, out), ==, RVI_ID_MALFORMED);
}

typedef struct {
  const char *text;
  RviWagonKind kind;
  RviIdResult result;
  const char *normalized;
  int expected_check;
} WagonCase;

/* UIC: the published vectors (domain.md), plain and as written on wagons.
 *
 * 1520 mm, computed by hand with weights 2,1,2,1,2,1,2, the digits of each
 * product summed, check = (10 - sum mod 10) mod 10:
 *   6012345: 12->1+2=3, 0, 2, 2, 6, 4, 10->1+0=1; sum 18; (10-8)%10 = 2
 *   5214573: 10->1, 2, 2, 4, 10->1, 7, 6;         sum 23; (10-3)%10 = 7
 *   2409001: 4, 4, 0, 9, 0, 0, 2;                 sum 19; (10-9)%10 = 1
 *   6000008: 12->3, 0, 0, 0, 0, 0, 16->1+6=7;     sum 10; (10-0)%10 = 0
 *
 * ISO 6346: CSQU3054383 is the example published with the standard (and on
 * Wikipedia). The others were computed with a separate Python
 * implementation that uses the letter table of ISO 6346 written out
 * literally (A=10, B=12, C=13 ... K=21, L=23 ... U=32, V=34 ... Z=38)
 * rather than the skip-multiples-of-11 loop of identifiers.c; the smallest
 * also by hand:
 *   ABCU000000: A 10*1 + B 12*2 + C 13*4 + U 32*8 = 10+24+52+256 = 342;
 *               342 mod 11 = 1 (11*31 = 341); check 1
 *   BICU123456: sum 5494, mod 11 = 5, check 5
 *   MSKU907032: sum 2808, mod 11 = 3, check 3
 *   TGHU993952: sum 4473, mod 11 = 7, check 7
 *   CSQU000007: sum 4025, mod 11 = 10, check written as 0 */
static const WagonCase wagon_cases[] = {
  { "218124712173", RVI_WAGON_UIC, RVI_ID_VALID, "218124712173", 3 },
  { "21 81 2471 217-3", RVI_WAGON_UIC, RVI_ID_VALID, "218124712173", 3 },
  { "518008430010", RVI_WAGON_UIC, RVI_ID_VALID, "518008430010", 0 },
  { "51 80 0843 001-0", RVI_WAGON_UIC, RVI_ID_VALID, "518008430010", 0 },
  { "21.81.2471.217-3", RVI_WAGON_UIC, RVI_ID_VALID, "218124712173", 3 },
  { " 21 81 2471 217-3 ", RVI_WAGON_UIC, RVI_ID_VALID, "218124712173", 3 },
  { "21 81 2471 217-4", RVI_WAGON_UIC, RVI_ID_BAD_CHECK, "218124712174", 3 },
  { "51 80 0843 001-9", RVI_WAGON_UIC, RVI_ID_BAD_CHECK, "518008430019", 0 },

  { "60123452", RVI_WAGON_R1520, RVI_ID_VALID, "60123452", 2 },
  { "5214 5737", RVI_WAGON_R1520, RVI_ID_VALID, "52145737", 7 },
  { "2409001-1", RVI_WAGON_R1520, RVI_ID_VALID, "24090011", 1 },
  { "60000080", RVI_WAGON_R1520, RVI_ID_VALID, "60000080", 0 },
  { "60123450", RVI_WAGON_R1520, RVI_ID_BAD_CHECK, "60123450", 2 },
  { "6000008-5", RVI_WAGON_R1520, RVI_ID_BAD_CHECK, "60000085", 0 },

  { "4953016", RVI_WAGON_CN7, RVI_ID_NO_CHECK, "4953016", -1 },
  { "C64 4953016", RVI_WAGON_UNKNOWN, RVI_ID_MALFORMED, "", -1 },

  { "CSQU3054383", RVI_WAGON_CONTAINER, RVI_ID_VALID, "CSQU3054383", 3 },
  { "CSQU 305438 3", RVI_WAGON_CONTAINER, RVI_ID_VALID, "CSQU3054383", 3 },
  { "csqu 305438-3", RVI_WAGON_CONTAINER, RVI_ID_VALID, "CSQU3054383", 3 },
  { "ABCU0000001", RVI_WAGON_CONTAINER, RVI_ID_VALID, "ABCU0000001", 1 },
  { "BICU1234565", RVI_WAGON_CONTAINER, RVI_ID_VALID, "BICU1234565", 5 },
  { "MSKU9070323", RVI_WAGON_CONTAINER, RVI_ID_VALID, "MSKU9070323", 3 },
  { "TGHU9939527", RVI_WAGON_CONTAINER, RVI_ID_VALID, "TGHU9939527", 7 },
  { "CSQU0000070", RVI_WAGON_CONTAINER, RVI_ID_VALID, "CSQU0000070", 0 },
  { "CSQU3054384", RVI_WAGON_CONTAINER, RVI_ID_BAD_CHECK, "CSQU3054384", 3 },
  { "CSQU0000071", RVI_WAGON_CONTAINER, RVI_ID_BAD_CHECK, "CSQU0000071", 0 },
  { "CSQX3054383", RVI_WAGON_UNKNOWN, RVI_ID_MALFORMED, "", -1 }, /* 4th letter */
  { "CSQJ3054383", RVI_WAGON_CONTAINER, RVI_ID_BAD_CHECK, "CSQJ3054383", 6 },
  { "CSQZ3054383", RVI_WAGON_CONTAINER, RVI_ID_BAD_CHECK, "CSQZ3054383", 7 },
  { "C5QU3054383", RVI_WAGON_UNKNOWN, RVI_ID_MALFORMED, "", -1 },
  { "CSQU305438", RVI_WAGON_UNKNOWN, RVI_ID_MALFORMED, "", -1 },
  { "CSQU30543831", RVI_WAGON_UNKNOWN, RVI_ID_MALFORMED, "", -1 },

  { "", RVI_WAGON_UNKNOWN, RVI_ID_MALFORMED, "", -1 },
  { " - . ", RVI_WAGON_UNKNOWN, RVI_ID_MALFORMED, "", -1 },
  { "123456", RVI_WAGON_UNKNOWN, RVI_ID_MALFORMED, "", -1 },
  { "123456789", RVI_WAGON_UNKNOWN, RVI_ID_MALFORMED, "", -1 },
  { "1234567890123", RVI_WAGON_UNKNOWN, RVI_ID_MALFORMED, "", -1 },
  { "21812471217A", RVI_WAGON_UNKNOWN, RVI_ID_MALFORMED, "", -1 },
  { "2181247121 7_3", RVI_WAGON_UNKNOWN, RVI_ID_MALFORMED, "", -1 },
  { "21 81\t2471 217-3", RVI_WAGON_UNKNOWN, RVI_ID_MALFORMED, "", -1 },
  { "21 81 2471 217–3", RVI_WAGON_UNKNOWN, RVI_ID_MALFORMED, "", -1 }, /* en dash */
  { "２１８１２４７１２１７３", RVI_WAGON_UNKNOWN, RVI_ID_MALFORMED, "", -1 },
  { "ÇSQU3054383", RVI_WAGON_UNKNOWN, RVI_ID_MALFORMED, "", -1 },
};

static void
assert_wagon (const char *text, RviWagonKind kind, RviIdResult result, const char *normalized,
              int expected_check)
{
  RviWagonNumber out;

  memset (&out, 0x5a, sizeof out);
  g_assert_cmpint (rvi_wagon_number_parse (text, &out), ==, kind);
  g_assert_cmpint (out.kind, ==, kind);
  g_assert_cmpstr (rvi_id_result_to_string (out.result), ==, rvi_id_result_to_string (result));
  g_assert_cmpstr (out.normalized, ==, normalized);
  g_assert_cmpint (out.expected_check, ==, expected_check);
}

static void
test_wagon_cases (void)
{
  for (gsize i = 0; i < G_N_ELEMENTS (wagon_cases); i++) {
    const WagonCase *c = &wagon_cases[i];

    g_test_message ("wagon number \"%s\"", c->text);
    assert_wagon (c->text, c->kind, c->result, c->normalized, c->expected_check);
  }
  assert_wagon (NULL, RVI_WAGON_UNKNOWN, RVI_ID_MALFORMED, "", -1);
}

static void
test_wagon_long (void)
{
  GString *s = g_string_new ("21 81 2471 217-3");
  g_autofree char *huge = NULL;

  /* Padding up to exactly RVI_WAGON_NUMBER_TEXT_MAX bytes is still read... */
  while (s->len < RVI_WAGON_NUMBER_TEXT_MAX)
    g_string_append_c (s, ' ');
  assert_wagon (s->str, RVI_WAGON_UIC, RVI_ID_VALID, "218124712173", 3);
  /* ...one more byte is not. */
  g_string_append_c (s, ' ');
  assert_wagon (s->str, RVI_WAGON_UNKNOWN, RVI_ID_MALFORMED, "", -1);
  g_string_free (s, TRUE);

  huge = g_strnfill (1 << 20, '7');
  assert_wagon (huge, RVI_WAGON_UNKNOWN, RVI_ID_MALFORMED, "", -1);
  g_assert_cmpint (rvi_declaration_number_check (huge, NULL), ==, RVI_ID_MALFORMED);
}

/* Random strings: must not crash, must give the same answer twice whatever
 * the out buffer held before, and must keep the documented invariants.
 * Half the strings use all printable ASCII (up to 64 chars), a quarter an
 * alphabet of digits, separators and a few letters (up to 16), a quarter
 * are container-shaped, so that every kind is reached, not only rejection.
 * The loop is reproducible with the --seed that g_test prints. */
static void
test_fuzz (void)
{
  static const char narrow[] = "0123456789012345678901234567890123456789 -.CSQUJZX";
  static const gsize kind_len[] = {
    [RVI_WAGON_UIC] = 12,
    [RVI_WAGON_R1520] = 8,
    [RVI_WAGON_CONTAINER] = 11,
  };
  guint counts[RVI_WAGON_CONTAINER + 1] = { 0 };

  for (int iter = 0; iter < 200000; iter++) {
    char text[65];
    gboolean printable = iter % 2 == 0;
    gboolean container = iter % 4 == 3;
    int len = container ? 11 : g_test_rand_int_range (0, printable ? 65 : 17);
    RviWagonNumber a, b;
    char decl_a[RVI_DECLARATION_NUMBER_LEN + 1], decl_b[RVI_DECLARATION_NUMBER_LEN + 1];
    gsize nlen;

    for (int i = 0; i < len; i++)
      text[i] = printable ? (char)g_test_rand_int_range (0x20, 0x7f)
                          : narrow[g_test_rand_int_range (0, sizeof narrow - 1)];
    text[len] = '\0';
    /* A quarter: container-shaped, with random letters (any case) and an
     * owner category that is usually right. */
    if (container) {
      for (int i = 0; i < 4; i++)
        text[i] = (char)g_test_rand_int_range ('A', 'Z' + 1) | (g_test_rand_bit () ? 0x20 : 0);
      if (g_test_rand_int_range (0, 4) != 0)
        text[3] = "UJZ"[g_test_rand_int_range (0, 3)];
      for (int i = 4; i < 11; i++)
        text[i] = (char)g_test_rand_int_range ('0', '9' + 1);
    }

    memset (&a, 0x00, sizeof a);
    memset (&b, 0xff, sizeof b);
    g_assert_cmpint (rvi_wagon_number_parse (text, &a), ==, rvi_wagon_number_parse (text, &b));
    g_assert_cmpint (a.kind, ==, b.kind);
    g_assert_cmpint (a.result, ==, b.result);
    g_assert_cmpstr (a.normalized, ==, b.normalized);
    g_assert_cmpint (a.expected_check, ==, b.expected_check);
    counts[a.kind]++;

    nlen = strlen (a.normalized);
    g_assert_cmpint (a.kind == RVI_WAGON_UNKNOWN, ==, a.result == RVI_ID_MALFORMED);
    switch (a.kind) {
      case RVI_WAGON_UNKNOWN:
        g_assert_cmpuint (nlen, ==, 0);
        g_assert_cmpint (a.expected_check, ==, -1);
        break;
      case RVI_WAGON_CN7:
        g_assert_cmpuint (nlen, ==, 7);
        g_assert_cmpint (a.result, ==, RVI_ID_NO_CHECK);
        g_assert_cmpint (a.expected_check, ==, -1);
        break;
      case RVI_WAGON_UIC:
      case RVI_WAGON_R1520:
      case RVI_WAGON_CONTAINER:
        g_assert_cmpuint (nlen, ==, kind_len[a.kind]);
        g_assert_cmpint (a.expected_check, >=, 0);
        g_assert_cmpint (a.expected_check, <=, 9);
        g_assert_cmpint (a.result == RVI_ID_VALID, ==,
                         a.normalized[nlen - 1] - '0' == a.expected_check);
        break;
    }

    memset (decl_a, 0x00, sizeof decl_a);
    memset (decl_b, 0xff, sizeof decl_b);
    g_assert_cmpint (rvi_declaration_number_check (text, decl_a), ==,
                     rvi_declaration_number_check (text, decl_b));
    g_assert_cmpstr (decl_a, ==, decl_b);
  }
  g_test_message ("fuzz: unknown %u, uic %u, r1520 %u, cn7 %u, container %u",
                  counts[RVI_WAGON_UNKNOWN], counts[RVI_WAGON_UIC], counts[RVI_WAGON_R1520],
                  counts[RVI_WAGON_CN7], counts[RVI_WAGON_CONTAINER]);
  /* The narrow alphabet must have exercised the digit kinds, or the loop
   * tested nothing but rejection. */
  g_assert_cmpuint (counts[RVI_WAGON_UIC], >, 0);
  g_assert_cmpuint (counts[RVI_WAGON_R1520], >, 0);
  g_assert_cmpuint (counts[RVI_WAGON_CN7], >, 0);
  g_assert_cmpuint (counts[RVI_WAGON_CONTAINER], >, 0);
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/identifiers/gacc-camera-id", test_gacc_camera_id);
  g_test_add_func ("/identifiers/to-string", test_to_string);
  g_test_add_func ("/identifiers/declaration", test_declaration);
  g_test_add_func ("/identifiers/wagon/cases", test_wagon_cases);
  g_test_add_func ("/identifiers/wagon/long", test_wagon_long);
  g_test_add_func ("/identifiers/wagon/fuzz", test_fuzz);
  return g_test_run ();
}
