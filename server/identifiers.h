/* identifiers.h: validation of the identifiers of the customs domain
 * (../shared/domain.md, "Identifiers rvi can validate").
 *
 * Every function here is pure: no allocation, no I/O, no global state
 * (except reading the clock for the declaration year). Bad input is never
 * an assertion: it is classified (MALFORMED) and the caller decides. */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

/* A GACC camera id: 20 digits (district, site, controller, "10", device
 * type, site class, location, serial). Only the pattern is checked: the
 * field layout is not published precisely enough to check more. */
gboolean rvi_gacc_camera_id_valid (const char *id);

/* TRUE for a UUID in its 36-character text form (any case). */
gboolean rvi_is_uuid (const char *s);

/* The outcome of checking an identifier. */
typedef enum {
  RVI_ID_VALID,     /* pattern and check digit (if any) are right */
  RVI_ID_BAD_CHECK, /* pattern right, check digit wrong: flag, don't reject */
  RVI_ID_NO_CHECK,  /* pattern right, the scheme has no public check digit */
  RVI_ID_MALFORMED, /* not an identifier of this kind at all */
} RviIdResult;

/* "valid", "bad_check", "no_check", "malformed" (static, transfer none). */
const char *rvi_id_result_to_string (RviIdResult result);

/* A customs declaration number: 18 ASCII digits = 4 customs code, 4 year,
 * 1 import/export flag (1 import, 0 export), 9 sequence. The year must lie
 * in 2000 .. current UTC year + 1. Leading and trailing ASCII whitespace is
 * ignored; nothing else is. Returns RVI_ID_VALID or RVI_ID_MALFORMED (NULL
 * text is MALFORMED). @out (caller-owned, may be NULL) receives the 18
 * digits NUL-terminated when valid, "" otherwise. */
#define RVI_DECLARATION_NUMBER_LEN 18
RviIdResult rvi_declaration_number_check (const char *text,
                                          char out[RVI_DECLARATION_NUMBER_LEN + 1]);

/* What a typed wagon (or container) number turned out to be. */
typedef enum {
  RVI_WAGON_UNKNOWN,   /* malformed: matches no scheme below */
  RVI_WAGON_UIC,       /* 12 digits, Luhn check over the first 11 */
  RVI_WAGON_R1520,     /* 8 digits, 1520 mm gauge (RU, KZ, MN), weighted check */
  RVI_WAGON_CN7,       /* 7 digits, Chinese freight wagon, no check digit */
  RVI_WAGON_CONTAINER, /* ISO 6346: 3 letters, U/J/Z, 6 digits, check digit */
} RviWagonKind;

/* "unknown", "uic", "r1520", "cn7", "container" (static, transfer none). */
const char *rvi_wagon_kind_to_string (RviWagonKind kind);

/* Longest raw input rvi_wagon_number_parse() looks at; longer is MALFORMED. */
#define RVI_WAGON_NUMBER_TEXT_MAX 64

typedef struct {
  RviWagonKind kind;
  /* VALID or BAD_CHECK for uic, r1520, container; NO_CHECK for cn7;
   * MALFORMED (and only then) for unknown. */
  RviIdResult result;
  /* The number without separators, letters upper-cased, NUL-terminated
   * ("218124712173", "CSQU3054383"); "" when malformed. */
  char normalized[13];
  /* The check digit (0..9) the other characters imply, whatever the typed
   * one was, so a UI can say "expected 3"; -1 for cn7 and unknown. */
  int expected_check;
} RviWagonNumber;

/* Classifies and checks a wagon or container number as written on the
 * wagon: spaces, hyphens and dots anywhere are ignored ("21 81 2471 217-3"),
 * letters may be lower case. Anything else (other characters, non-ASCII,
 * a length no scheme has, more than RVI_WAGON_NUMBER_TEXT_MAX bytes, NULL
 * text) gives RVI_WAGON_UNKNOWN with result MALFORMED. A check digit
 * mismatch is BAD_CHECK, never MALFORMED. Fills @out (caller-owned, not
 * NULL) and returns out->kind. */
RviWagonKind rvi_wagon_number_parse (const char *text, RviWagonNumber *out);

G_END_DECLS
