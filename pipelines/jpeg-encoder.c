/* jpeg-encoder.c: shrink (picture-shrink.c), encode with libjpeg-turbo.
 *
 * DESIGN. The output size follows the input (aspect kept, even sizes for
 * 4:2:0). The shrunk planes go to libjpeg-turbo as raw 4:2:0 data (no
 * colour conversion, no resampling in the library), whose SIMD DCT and
 * entropy coder cost about half of libavcodec's MJPEG encoder for a
 * 640x360 still. The compressed bytes are written into one buffer kept
 * by the encoder and grown when a still needs more, so a camera's stills
 * allocate nothing once it is warm.
 *
 * Quality. @quality keeps the meaning it had with libavcodec's MJPEG
 * encoder (the quantizer scale, 2 best .. 31): both tables are the
 * MPEG-1 default intra matrix times @quality / 8 with a DC step of 8, the
 * tables that encoder writes. Huffman tables are the standard ones (an
 * optimizing pass would save about a tenth of the bytes for twice the
 * entropy-coding time).
 *
 * Errors. libjpeg reports errors by calling error_exit, which must not
 * return; ours jumps back into rvi_jpeg_encoder_encode, which aborts the
 * image and reports the library's message. */
#define G_LOG_DOMAIN "rvi-sampler"
#include "jpeg-encoder.h"
#include "picture-shrink.h"
#include "rvi-error.h"

#include <setjmp.h>
#include <stdio.h>
#include <jpeglib.h>

#define FIRST_BUFFER (64 * 1024)

/* MPEG-1's default intra quantizer matrix, in natural (row) order. */
static const guint8 mpeg1_intra[DCTSIZE2] = {
  8, 16, 19, 22, 26, 27, 29, 34,
  16, 16, 22, 24, 27, 29, 34, 37,
  19, 22, 26, 27, 29, 34, 34, 38,
  22, 22, 26, 27, 29, 34, 37, 40,
  22, 26, 27, 29, 32, 35, 40, 48,
  26, 27, 29, 32, 35, 40, 48, 58,
  26, 27, 29, 34, 38, 46, 56, 69,
  27, 29, 35, 38, 46, 56, 69, 83,
};

typedef struct {
  struct jpeg_error_mgr base;
  jmp_buf jump;
  char message[JMSG_LENGTH_MAX];
} ErrorTrap;

struct _RviJpegEncoder {
  guint max_width;
  unsigned int table[DCTSIZE2];   /* the quantizer table for @quality */
  RviPictureShrink *shrink;
  struct jpeg_compress_struct cinfo;
  ErrorTrap trap;
  struct jpeg_destination_mgr dest;
  guint8 *out;
  gsize out_alloc, out_size;
};

static void
trap_error (j_common_ptr cinfo)
{
  ErrorTrap *trap = (ErrorTrap *) cinfo->err;

  trap->base.format_message (cinfo, trap->message);
  longjmp (trap->jump, 1);
}

static void
ignore_message (j_common_ptr cinfo)
{
  (void) cinfo;   /* warnings (none expected for raw 4:2:0) go nowhere */
}

static void
dest_init (j_compress_ptr cinfo)
{
  RviJpegEncoder *e = cinfo->client_data;

  cinfo->dest->next_output_byte = e->out;
  cinfo->dest->free_in_buffer = e->out_alloc;
}

/* Called with the whole buffer full: doubles it. */
static boolean
dest_grow (j_compress_ptr cinfo)
{
  RviJpegEncoder *e = cinfo->client_data;
  gsize used = e->out_alloc;

  e->out_alloc *= 2;
  e->out = g_realloc (e->out, e->out_alloc);
  cinfo->dest->next_output_byte = e->out + used;
  cinfo->dest->free_in_buffer = e->out_alloc - used;
  return TRUE;
}

static void
dest_term (j_compress_ptr cinfo)
{
  RviJpegEncoder *e = cinfo->client_data;

  e->out_size = e->out_alloc - cinfo->dest->free_in_buffer;
}

RviJpegEncoder *
rvi_jpeg_encoder_new (guint max_width, guint quality)
{
  RviJpegEncoder *e = g_new0 (RviJpegEncoder, 1);
  guint q = CLAMP (quality, 2, 31);

  e->max_width = MAX (max_width, 16);
  e->table[0] = 8;
  for (int i = 1; i < DCTSIZE2; i++)
    e->table[i] = MIN (mpeg1_intra[i] * q / 8, 255);
  e->shrink = rvi_picture_shrink_new ();
  e->out_alloc = FIRST_BUFFER;
  e->out = g_malloc (e->out_alloc);
  e->cinfo.err = jpeg_std_error (&e->trap.base);
  e->trap.base.error_exit = trap_error;
  e->trap.base.output_message = ignore_message;
  jpeg_create_compress (&e->cinfo);   /* cannot fail with enough memory */
  e->cinfo.client_data = e;
  e->dest.init_destination = dest_init;
  e->dest.empty_output_buffer = dest_grow;
  e->dest.term_destination = dest_term;
  e->cinfo.dest = &e->dest;
  return e;
}

void
rvi_jpeg_encoder_free (RviJpegEncoder *e)
{
  if (!e)
    return;
  jpeg_destroy_compress (&e->cinfo);
  rvi_picture_shrink_free (e->shrink);
  g_free (e->out);
  g_free (e);
}

/* Parameters for a raw 4:2:0 @w x @h picture at the encoder's quality. */
static void
set_parameters (RviJpegEncoder *e, int w, int h)
{
  struct jpeg_compress_struct *c = &e->cinfo;

  c->image_width = (JDIMENSION) w;
  c->image_height = (JDIMENSION) h;
  c->input_components = 3;
  c->in_color_space = JCS_YCbCr;
  jpeg_set_defaults (c);
  jpeg_add_quant_table (c, 0, e->table, 100, TRUE);
  jpeg_add_quant_table (c, 1, e->table, 100, TRUE);
  c->raw_data_in = TRUE;
  c->dct_method = JDCT_ISLOW;
  c->comp_info[0].h_samp_factor = 2;
  c->comp_info[0].v_samp_factor = 2;
  for (int i = 1; i < 3; i++) {
    c->comp_info[i].h_samp_factor = 1;
    c->comp_info[i].v_samp_factor = 1;
  }
}

/* The picture's planes, 16 luma rows (8 of each chroma) per call; rows
 * past the bottom repeat the last one. */
static void
write_planes (struct jpeg_compress_struct *c, const AVFrame *pic)
{
  JSAMPROW y_rows[2 * DCTSIZE], cb_rows[DCTSIZE], cr_rows[DCTSIZE];
  JSAMPARRAY planes[3] = { y_rows, cb_rows, cr_rows };
  int h = pic->height;

  while (c->next_scanline < c->image_height) {
    int top = (int) c->next_scanline;

    for (int i = 0; i < 2 * DCTSIZE; i++)
      y_rows[i] = pic->data[0] + (gsize) MIN (top + i, h - 1) * (gsize) pic->linesize[0];
    for (int i = 0; i < DCTSIZE; i++) {
      gsize row = (gsize) MIN (top / 2 + i, h / 2 - 1);
      cb_rows[i] = pic->data[1] + row * (gsize) pic->linesize[1];
      cr_rows[i] = pic->data[2] + row * (gsize) pic->linesize[2];
    }
    jpeg_write_raw_data (c, planes, 2 * DCTSIZE);
  }
}

gboolean
rvi_jpeg_encoder_encode (RviJpegEncoder *e, const AVFrame *frame, const guint8 **data,
                         gsize *size, guint *width, guint *height, GError **error)
{
  int w, h;
  const AVFrame *pic;

  if (frame->width < 2 || frame->height < 2) {
    g_set_error (error, RVI_ERROR, RVI_ERROR_FAILED, "no picture to encode (%dx%d)",
                 frame->width, frame->height);
    return FALSE;
  }
  w = MIN (frame->width, (int) e->max_width) & ~1;
  h = (int) ((gint64) frame->height * w / frame->width) & ~1;
  if (!(pic = rvi_picture_shrink_run (e->shrink, frame, w, MAX (h, 2), error)))
    return FALSE;
  if (setjmp (e->trap.jump)) {
    jpeg_abort_compress (&e->cinfo);
    g_set_error (error, RVI_ERROR, RVI_ERROR_FAILED, "cannot encode the JPEG: %s",
                 e->trap.message);
    return FALSE;
  }
  set_parameters (e, pic->width, pic->height);
  jpeg_start_compress (&e->cinfo, TRUE);
  write_planes (&e->cinfo, pic);
  jpeg_finish_compress (&e->cinfo);
  *data = e->out;
  *size = e->out_size;
  *width = (guint) pic->width;
  *height = (guint) pic->height;
  return TRUE;
}

guint
rvi_jpeg_encoder_get_rebuilds (RviJpegEncoder *e)
{
  return rvi_picture_shrink_get_setups (e->shrink);
}
