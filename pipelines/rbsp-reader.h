/* rbsp-reader.h: reading the fields of an H.264/H.265 parameter set: the
 * NAL unit payload with its emulation prevention bytes removed (the RBSP),
 * read bit by bit, with the u(n), ue(v) and se(v) descriptors of the specs.
 * Every read is bounds-checked: a read past the end sets reader.bad and
 * returns 0, and the flag sticks, so a parser reads straight on and checks
 * once at the points where a value must be sane. Private to video-params. */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

typedef struct {
  guint8 *data;      /* the RBSP (owned) */
  gsize size;        /* bytes */
  gsize pos;         /* bits read */
  gboolean bad;      /* a read ran past the end or a code was malformed */
} RviRbspReader;

/* Copies @nal[@header_bytes..@size) into @r without its emulation
 * prevention bytes (00 00 03 -> 00 00). Release with rvi_rbsp_reader_clear. */
void rvi_rbsp_reader_init (RviRbspReader *r, const guint8 *nal, gsize size, gsize header_bytes);
void rvi_rbsp_reader_clear (RviRbspReader *r);

G_DEFINE_AUTO_CLEANUP_CLEAR_FUNC (RviRbspReader, rvi_rbsp_reader_clear)

/* u(n), @n <= 32. */
guint32 rvi_rbsp_reader_bits (RviRbspReader *r, guint n);
gboolean rvi_rbsp_reader_flag (RviRbspReader *r);
void rvi_rbsp_reader_skip (RviRbspReader *r, gsize n);

/* ue(v), up to 2^32 - 2; a code of more than 31 leading zeros is bad. */
guint32 rvi_rbsp_reader_ue (RviRbspReader *r);

/* se(v). */
gint32 rvi_rbsp_reader_se (RviRbspReader *r);

G_END_DECLS
