/* identifiers.c: customs identifiers (camera ids, UUIDs, declaration
 * numbers, wagon and container numbers).
 *
 * Wagon numbers are normalized first (separators dropped, letters
 * upper-cased, at most 12 characters kept), then classified by shape
 * alone: 12 digits UIC, 8 digits 1520 mm, 7 digits Chinese, 4 letters +
 * 7 digits ISO 6346. Only then is the check digit computed. UIC and
 * 1520 mm use the same rule (weights 2,1,2,... from the left over an odd
 * number of digits, digits of each product summed): the Luhn rule. */
#include "identifiers.h"

#include <string.h>

gboolean
rvi_gacc_camera_id_valid (const char *id)
{
  if (!id || strlen (id) != 20)
    return FALSE;
  for (const char *p = id; *p; p++)
    if (!g_ascii_isdigit (*p))
      return FALSE;
  return TRUE;
}

gboolean
rvi_is_uuid (const char *s)
{
  static const int dash_at[] = { 8, 13, 18, 23 };

  if (!s || strlen (s) != 36)
    return FALSE;
  for (int i = 0; i < 36; i++) {
    gboolean dash = i == dash_at[0] || i == dash_at[1] || i == dash_at[2] || i == dash_at[3];
    if (dash ? s[i] != '-' : !g_ascii_isxdigit (s[i]))
      return FALSE;
  }
  return TRUE;
}

const char *
rvi_id_result_to_string (RviIdResult result)
{
  switch (result) {
    case RVI_ID_VALID:
      return "valid";
    case RVI_ID_BAD_CHECK:
      return "bad_check";
    case RVI_ID_NO_CHECK:
      return "no_check";
    case RVI_ID_MALFORMED:
      return "malformed";
  }
  g_return_val_if_reached ("malformed");
}

const char *
rvi_wagon_kind_to_string (RviWagonKind kind)
{
  switch (kind) {
    case RVI_WAGON_UNKNOWN:
      return "unknown";
    case RVI_WAGON_UIC:
      return "uic";
    case RVI_WAGON_R1520:
      return "r1520";
    case RVI_WAGON_CN7:
      return "cn7";
    case RVI_WAGON_CONTAINER:
      return "container";
  }
  g_return_val_if_reached ("unknown");
}

static gboolean
all_digits (const char *s, gsize n)
{
  for (gsize i = 0; i < n; i++)
    if (!g_ascii_isdigit (s[i]))
      return FALSE;
  return TRUE;
}

static int
current_utc_year (void)
{
  g_autoptr (GDateTime) now = g_date_time_new_now_utc ();

  return g_date_time_get_year (now);
}

RviIdResult
rvi_declaration_number_check (const char *text, char out[RVI_DECLARATION_NUMBER_LEN + 1])
{
  const char *start, *end;
  int year;

  if (out)
    out[0] = '\0';
  if (!text)
    return RVI_ID_MALFORMED;

  start = text;
  while (g_ascii_isspace (*start))
    start++;
  /* Stop looking once the digits are longer than a number can be. */
  end = start;
  while (*end && !g_ascii_isspace (*end) && end - start <= RVI_DECLARATION_NUMBER_LEN)
    end++;
  if (end - start != RVI_DECLARATION_NUMBER_LEN || !all_digits (start, RVI_DECLARATION_NUMBER_LEN))
    return RVI_ID_MALFORMED;
  for (const char *p = end; *p; p++)
    if (!g_ascii_isspace (*p))
      return RVI_ID_MALFORMED;

  year = 0;
  for (int i = 4; i < 8; i++)
    year = year * 10 + (start[i] - '0');
  if (year < 2000 || year > current_utc_year () + 1)
    return RVI_ID_MALFORMED;
  if (start[8] != '0' && start[8] != '1')
    return RVI_ID_MALFORMED;

  if (out) {
    memcpy (out, start, RVI_DECLARATION_NUMBER_LEN);
    out[RVI_DECLARATION_NUMBER_LEN] = '\0';
  }
  return RVI_ID_VALID;
}

/* Luhn check digit of @n digits: weight 2 on the rightmost, alternating
 * leftwards; the digits of each product are summed. For the odd lengths
 * used here (11 for UIC, 7 for 1520 mm) the weights read 2,1,2,... from
 * the left, as the rules are published. */
static int
luhn_check_digit (const char *digits, gsize n)
{
  int sum = 0;

  for (gsize i = 0; i < n; i++) {
    int weight = ((n - i) % 2 == 1) ? 2 : 1;
    int product = (digits[i] - '0') * weight;
    sum += product / 10 + product % 10;
  }
  return (10 - sum % 10) % 10;
}

/* ISO 6346 value of a letter: 10 for A, counting up and skipping the
 * multiples of 11 (A=10, B=12 ... K=21, L=23 ... U=32, V=34 ... Z=38). */
static int
iso6346_letter_value (char c)
{
  int v = 10;

  for (char l = 'A'; l < c; l++) {
    v++;
    if (v % 11 == 0)
      v++;
  }
  return v;
}

/* ISO 6346 check digit of the first 10 characters: values weighted by
 * 2^position, sum mod 11, and a remainder of 10 written as 0. */
static int
iso6346_check_digit (const char *s)
{
  int sum = 0;

  for (int i = 0; i < 10; i++) {
    int v = g_ascii_isdigit (s[i]) ? s[i] - '0' : iso6346_letter_value (s[i]);
    sum += v << i;
  }
  return sum % 11 % 10;
}

/* 3 owner letters, a category letter (U freight, J detachable equipment,
 * Z trailer or chassis), 6 serial digits and the check digit. */
static gboolean
is_container_shape (const char *s)
{
  for (int i = 0; i < 3; i++)
    if (!g_ascii_isupper (s[i]))
      return FALSE;
  return (s[3] == 'U' || s[3] == 'J' || s[3] == 'Z') && all_digits (s + 4, 7);
}

static RviWagonKind
wagon_malformed (RviWagonNumber *out)
{
  out->kind = RVI_WAGON_UNKNOWN;
  out->result = RVI_ID_MALFORMED;
  out->normalized[0] = '\0';
  out->expected_check = -1;
  return RVI_WAGON_UNKNOWN;
}

RviWagonKind
rvi_wagon_number_parse (const char *text, RviWagonNumber *out)
{
  char *norm;
  gsize n = 0;
  gboolean digits_only;

  g_return_val_if_fail (out != NULL, RVI_WAGON_UNKNOWN);

  if (!text)
    return wagon_malformed (out);
  norm = out->normalized;
  for (gsize i = 0; text[i]; i++) {
    char c = text[i];

    if (i >= RVI_WAGON_NUMBER_TEXT_MAX)
      return wagon_malformed (out);
    if (c == ' ' || c == '-' || c == '.')
      continue;
    if (!g_ascii_isalnum (c) || n == sizeof out->normalized - 1)
      return wagon_malformed (out);
    norm[n++] = g_ascii_toupper (c);
  }
  norm[n] = '\0';

  digits_only = all_digits (norm, n);
  if (digits_only && n == 12) {
    out->kind = RVI_WAGON_UIC;
    out->expected_check = luhn_check_digit (norm, 11);
  } else if (digits_only && n == 8) {
    out->kind = RVI_WAGON_R1520;
    out->expected_check = luhn_check_digit (norm, 7);
  } else if (digits_only && n == 7) {
    out->kind = RVI_WAGON_CN7;
    out->result = RVI_ID_NO_CHECK;
    out->expected_check = -1;
    return out->kind;
  } else if (n == 11 && is_container_shape (norm)) {
    out->kind = RVI_WAGON_CONTAINER;
    out->expected_check = iso6346_check_digit (norm);
  } else {
    return wagon_malformed (out);
  }
  out->result = (norm[n - 1] - '0' == out->expected_check) ? RVI_ID_VALID : RVI_ID_BAD_CHECK;
  return out->kind;
}
