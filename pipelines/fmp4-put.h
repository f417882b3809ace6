/* fmp4-put.h: appending ISO-BMFF fields and boxes to a GByteArray, for the
 * fMP4 writer: big-endian integers, and boxes whose size is patched in when
 * they are closed (begin returns the box's offset, end writes its size).
 * Appending never allocates once the array has grown. */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

void rvi_fmp4_put_u8 (GByteArray *out, guint8 v);
void rvi_fmp4_put_u16 (GByteArray *out, guint16 v);
void rvi_fmp4_put_u32 (GByteArray *out, guint32 v);
void rvi_fmp4_put_u64 (GByteArray *out, guint64 v);
void rvi_fmp4_put_zeros (GByteArray *out, guint n);

/* Overwrites the 4 bytes at @offset. */
void rvi_fmp4_patch_u32 (GByteArray *out, gsize offset, guint32 v);

/* Starts a box of @type (4 characters); returns its offset for
 * rvi_fmp4_box_end. The full box variant also writes version and flags. */
gsize rvi_fmp4_box_begin (GByteArray *out, const char *type);
gsize rvi_fmp4_full_box_begin (GByteArray *out, const char *type, guint8 version, guint32 flags);

/* Writes the size of the box started at @offset (boxes stay below 4 GiB). */
void rvi_fmp4_box_end (GByteArray *out, gsize offset);

G_END_DECLS
