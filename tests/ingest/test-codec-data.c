/* test-codec-data: avcC and hvcC records (as GStreamer's parsers put them
 * in caps) built from real parameter sets (test-es.h) read back into the
 * same parameters; every truncation and a fuzz loop of flipped bytes are
 * refused or parsed, never read out of bounds (ASan runs this suite). */
#include <glib.h>
#include <gst/gst.h>

#include "codec-data.h"
#include "test-es.h"

static void
put_unit (GByteArray *out, GBytes *unit)
{
  gsize size = 0;
  const guint8 *data = g_bytes_get_data (unit, &size);
  guint8 len[2] = { (guint8) (size >> 8), (guint8) size };

  g_byte_array_append (out, len, 2);
  g_byte_array_append (out, data, (guint) size);
}

/* An avcC (H.264) or hvcC (H.265) record with 4-byte NAL lengths. */
static GByteArray *
make_record (RviTestStream *es)
{
  GByteArray *out = g_byte_array_new ();

  if (es->codec == RVI_CODEC_H264) {
    const guint8 *sps = g_bytes_get_data (es->sps, NULL);
    guint8 head[6] = { 1, sps[1], sps[2], sps[3], 0xff, 0xe1 };

    g_byte_array_append (out, head, sizeof head);
    put_unit (out, es->sps);
    g_byte_array_append (out, (const guint8 *) "\x01", 1);
    put_unit (out, es->pps);
  } else {
    guint8 head[23] = { 1 };
    GBytes *sets[3] = { es->vps, es->sps, es->pps };

    head[21] = 0xf3;   /* lengthSizeMinusOne = 3 */
    head[22] = 3;      /* arrays */
    g_byte_array_append (out, head, sizeof head);
    for (guint i = 0; i < 3; i++) {
      guint8 array[3] = { (guint8) (0x80 | (32 + i)), 0, 1 };
      g_byte_array_append (out, array, 3);
      put_unit (out, sets[i]);
    }
  }
  return out;
}

static void
round_trip (gconstpointer data)
{
  RviCodec codec = GPOINTER_TO_INT (data);
  RviTestStream *es = rvi_test_stream_encode (codec, FALSE);
  g_autoptr (GByteArray) record = make_record (es);
  g_auto (RviVideoParams) expect = { 0 };
  g_autoptr (GRand) rand = g_rand_new_with_seed (7);
  guint parsed = 0;

  g_assert_true (rvi_video_params_parse (&expect, codec, es->vps, es->sps, es->pps, NULL));
  {
    g_auto (RviVideoParams) got = { 0 };
    g_autoptr (GError) error = NULL;
    guint length_size = 0;

    g_assert_true (rvi_codec_data_parse (&got, codec, record->data, record->len, &length_size,
                                         &error));
    g_assert_no_error (error);
    g_assert_cmpuint (length_size, ==, 4);
    g_assert_cmpstr (got.codec_string, ==, expect.codec_string);
    g_assert_cmpint (got.width, ==, 320);
    g_assert_true (rvi_video_params_equal (&got, &expect));
  }
  /* every truncation is refused, copied so a read past its end is caught */
  for (guint len = 0; len < record->len; len++) {
    g_autofree guint8 *cut = g_memdup2 (record->data, len);
    g_auto (RviVideoParams) p = { 0 };
    guint ls = 0;

    g_assert_false (rvi_codec_data_parse (&p, codec, cut, len, &ls, NULL));
  }
  /* flipped bytes: refused or parsed, never a crash */
  for (guint i = 0; i < 5000; i++) {
    g_autofree guint8 *copy = g_memdup2 (record->data, record->len);
    g_auto (RviVideoParams) p = { 0 };
    guint ls = 0;
    gint32 flips = 1 + g_rand_int_range (rand, 0, 4);

    for (gint32 k = 0; k < flips; k++)
      copy[g_rand_int_range (rand, 0, (gint32) record->len)] = (guint8) g_rand_int (rand);
    parsed += rvi_codec_data_parse (&p, codec, copy, record->len, &ls, NULL);
  }
  g_test_message ("fuzz: %u of 5000 parsed", parsed);
  rvi_test_stream_free (es);
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  gst_init (&argc, &argv);
  g_test_add_data_func ("/codec-data/h264", GINT_TO_POINTER (RVI_CODEC_H264), round_trip);
  g_test_add_data_func ("/codec-data/h265", GINT_TO_POINTER (RVI_CODEC_H265), round_trip);
  return g_test_run ();
}
