/* camsim-scene.c: the railyard and the camera display, drawn per frame.
 *
 * The yard is laid out in a 1280x720 design space and scaled to the frame,
 * so every size shows the same picture. A Layout says where the camera
 * looks; normal and moved differ only in their Layout. */
#define G_LOG_DOMAIN "rvi-camsim"

#include "camsim-scene.h"
#include "camsim-canvas.h"
#include "timestamp-blocks.h"

#include <math.h>
#include <string.h>

#define WAGON_PITCH 270.0
#define WAGON_LENGTH 246.0

typedef struct {
  gdouble horizon; /* design y where the ground starts */
  gdouble track_y; /* design y of the train's rails */
  gdouble near_y;  /* design y of the empty foreground track */
  gdouble scale;   /* wagon size factor */
  gdouble mirror;  /* 1 or -1: direction of travel relative to the camera */
  gboolean mast;   /* a floodlight mast in the foreground */
} Layout;

typedef struct {
  GstVideoFrame *frame;
  gdouble sx, sy;
} Painter;

static const Layout normal_layout = { 300, 470, 640, 1.0, 1, FALSE };
static const Layout moved_layout = { 120, 380, 600, 1.5, -1, TRUE };

static const guint8 wagon_rgb[6][3] = {
  { 150, 60, 40 },  { 40, 90, 150 },  { 60, 120, 60 },
  { 170, 140, 40 }, { 110, 60, 130 }, { 90, 90, 90 },
};

static void
box (Painter *p, gdouble x, gdouble y, gdouble w, gdouble h, RviCamsimColour c)
{
  gint x0 = (gint)lround (x * p->sx), y0 = (gint)lround (y * p->sy);
  gint x1 = (gint)lround ((x + w) * p->sx), y1 = (gint)lround ((y + h) * p->sy);

  rvi_camsim_canvas_fill (p->frame, x0, y0, x1 - x0, y1 - y0, c);
}

static void
draw_backdrop (Painter *p, const Layout *l, guint index)
{
  RviCamsimColour building = rvi_camsim_colour_rgb (150, 150, 140 + 10 * (index % 4));
  RviCamsimColour roof = rvi_camsim_colour_rgb (90, 70, 60);

  /* Sky: a vertical gradient in bands, then gravel. */
  for (gint band = 0; band < 20; band++) {
    gdouble top = l->horizon * band / 20.0;
    guint8 k = (guint8)(band * 4);
    box (p, 0, top, 1280, l->horizon / 20.0 + 1,
         rvi_camsim_colour_rgb (100 + k, 140 + k / 2, 200 + k / 4));
  }
  box (p, 0, l->horizon, 1280, 720 - l->horizon, rvi_camsim_colour_rgb (125, 115, 100));

  /* Warehouses and a gantry on the horizon; index shifts them. */
  for (gint i = 0; i < 4; i++) {
    gdouble x = fmod (i * 330.0 + index * 97.0, 1280.0) - 60;
    gdouble h = 70 + 25 * ((i + index) % 3);
    box (p, x, l->horizon - h, 220, h, building);
    box (p, x - 6, l->horizon - h - 14, 232, 14, roof);
  }
  box (p, 900, l->horizon - 150, 10, 150, roof);
  box (p, 1080, l->horizon - 150, 10, 150, roof);
  box (p, 880, l->horizon - 160, 240, 12, rvi_camsim_colour_rgb (200, 160, 30));
}

static void
draw_track (Painter *p, gdouble y, gdouble scale)
{
  RviCamsimColour sleeper = rvi_camsim_colour_rgb (70, 55, 45);
  RviCamsimColour rail = rvi_camsim_colour_rgb (180, 180, 185);

  for (gdouble x = 0; x < 1280; x += 26 * scale)
    box (p, x, y - 4 * scale, 12 * scale, 22 * scale, sleeper);
  box (p, 0, y, 1280, 4 * scale, rail);
  box (p, 0, y + 12 * scale, 1280, 4 * scale, rail);
}

static void
draw_wagon (Painter *p, gdouble x, const Layout *l, guint index, gint64 number)
{
  const guint8 *rgb = wagon_rgb[(index - 1 + (guint)(number % 2)) % 6];
  RviCamsimColour body = rvi_camsim_colour_rgb (rgb[0], rgb[1], rgb[2]);
  RviCamsimColour load = rvi_camsim_colour_rgb (38, 36, 34);
  RviCamsimColour wheel = rvi_camsim_colour_rgb (30, 30, 30);
  RviCamsimColour paint = rvi_camsim_colour_rgb (235, 235, 235);
  gdouble s = l->scale, len = WAGON_LENGTH * s, top = l->track_y - 120 * s;
  gchar text[16];
  gint scale = MAX (1, (gint)lround (2 * s * p->sy));

  /* Concentrate heaped above the sides, then body, frame and wheels. */
  box (p, x + 30 * s, top - 28 * s, len - 60 * s, 12 * s, load);
  box (p, x + 14 * s, top - 16 * s, len - 28 * s, 16 * s, load);
  box (p, x, top, len, 96 * s, body);
  box (p, x, top + 96 * s, len, 8 * s, wheel);
  for (gint w = 0; w < 4; w++) {
    gdouble wx = x + (w < 2 ? 20 + w * 40 : len / s - 100 + (w - 2) * 40) * s;
    box (p, wx, top + 100 * s, 26 * s, 20 * s, wheel);
  }

  g_snprintf (text, sizeof text, "C70 %07" G_GINT64_FORMAT, 1500000 + number % 8500000);
  rvi_camsim_canvas_text (p->frame, (gint)lround ((x + 20 * s) * p->sx),
                          (gint)lround ((top + 20 * s) * p->sy), scale, text, paint);
}

static void
draw_yard (Painter *p, const Layout *l, guint index, gdouble t)
{
  gdouble speed = (40 + 15 * (index % 5)) * (index % 2 ? 1 : -1) * l->mirror;
  gdouble pitch = WAGON_PITCH * l->scale;
  gdouble offset = speed * t;
  gint64 first = (gint64)floor (offset / pitch) - 1;

  draw_backdrop (p, l, index);
  draw_track (p, l->track_y, l->scale);
  draw_track (p, l->near_y, l->scale * 1.3);
  for (gint64 k = first; (gdouble)k * pitch - offset < 1280; k++)
    draw_wagon (p, (gdouble)k * pitch - offset, l, index, k + 1000 * index);

  if (l->mast) {
    box (p, 180, 0, 34, 720, rvi_camsim_colour_rgb (90, 90, 95));
    box (p, 120, 150, 160, 30, rvi_camsim_colour_rgb (60, 60, 65));
  }
}

/* Howard Hinnant's days_from_civil inverse, for the clock without GDateTime. */
static void
civil_from_days (gint64 z, gint *year, gint *month, gint *day)
{
  gint64 era, doe, yoe, doy, mp;

  z += 719468;
  era = (z >= 0 ? z : z - 146096) / 146097;
  doe = z - era * 146097;
  yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
  doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
  mp = (5 * doy + 2) / 153;
  *day = (gint)(doy - (153 * mp + 2) / 5 + 1);
  *month = (gint)(mp < 10 ? mp + 3 : mp - 9);
  *year = (gint)(yoe + era * 400 + (*month <= 2));
}

void
rvi_camsim_scene_format_clock (gint64 ms, gchar *buf, gsize size)
{
  gint64 secs = ms / 1000 + 8 * 3600;
  gint64 days = secs / 86400, rem = secs % 86400;
  gint year, month, day;

  civil_from_days (days, &year, &month, &day);
  g_snprintf (buf, size, "%04d-%02d-%02d %02d:%02d:%02d", year, month, day, (gint)(rem / 3600),
              (gint)(rem / 60 % 60), (gint)(rem % 60));
}

static void
draw_display (GstVideoFrame *frame, const gchar *label, gint64 wall_ms)
{
  gint width = GST_VIDEO_FRAME_WIDTH (frame), height = GST_VIDEO_FRAME_HEIGHT (frame);
  gint scale = MAX (1, height / 180), shadow = MAX (1, scale / 2);
  gint x = width * 5 / 80, band_top, band_end;
  RviCamsimColour white = rvi_camsim_colour_rgb (255, 255, 255);
  RviCamsimColour black = rvi_camsim_colour_rgb (0, 0, 0);
  RviCamsimColour neutral = { 16, 128, 128 };
  gchar clock[40];

  rvi_camsim_scene_format_clock (wall_ms, clock, sizeof clock);
  g_strlcat (clock, " BJT", sizeof clock);
  rvi_camsim_canvas_text (frame, x + shadow, height / 90 + shadow, scale, clock, black);
  rvi_camsim_canvas_text (frame, x, height / 90, scale, clock, white);

  rvi_timestamp_blocks_band (height, &band_top, &band_end);
  rvi_camsim_canvas_fill (frame, width * 4 / 80, band_top, width * 72 / 80, band_end - band_top,
                          neutral);
  rvi_timestamp_blocks_paint (GST_VIDEO_FRAME_PLANE_DATA (frame, 0), width, height,
                              GST_VIDEO_FRAME_PLANE_STRIDE (frame, 0), wall_ms);

  rvi_camsim_canvas_text (frame, x + shadow, height * 42 / 45 + shadow, scale, label, black);
  rvi_camsim_canvas_text (frame, x, height * 42 / 45, scale, label, white);
}

/* Night under infrared: luma darker and flatter with sensor noise
 * (different each frame), chroma neutral. */
static void
infrared (GstVideoFrame *frame, gint64 wall_ms)
{
  guint8 *y = GST_VIDEO_FRAME_PLANE_DATA (frame, 0);
  gint stride = GST_VIDEO_FRAME_PLANE_STRIDE (frame, 0);
  gint width = GST_VIDEO_FRAME_WIDTH (frame), height = GST_VIDEO_FRAME_HEIGHT (frame);
  guint32 seed = (guint32) wall_ms * 2654435761u;

  for (gint row = 0; row < height; row++)
    for (gint col = 0; col < width; col++) {
      guint8 *px = y + (gsize) row * stride + col;
      gint v;

      seed = seed * 1664525u + 1013904223u;
      v = *px * 45 / 100 + 14 + (gint) (seed >> 29) - 4;   /* noise -4 .. +3 */
      *px = (guint8) CLAMP (v, 0, 255);
    }
  for (guint plane = 1; plane < 3; plane++) {
    guint8 *c = GST_VIDEO_FRAME_PLANE_DATA (frame, plane);
    gint cs = GST_VIDEO_FRAME_PLANE_STRIDE (frame, plane);
    for (gint row = 0; row < (height + 1) / 2; row++)
      memset (c + (gsize) row * cs, 128, (gsize) (width + 1) / 2);
  }
}

void
rvi_camsim_scene_draw (GstVideoFrame *frame, guint index, const gchar *label, RviCamsimScene scene,
                       gdouble t, gint64 wall_ms, guint8 *scratch)
{
  Painter p
      = { frame, GST_VIDEO_FRAME_WIDTH (frame) / 1280.0, GST_VIDEO_FRAME_HEIGHT (frame) / 720.0 };

  switch (scene) {
    case RVI_CAMSIM_SCENE_COVERED:
      /* Light leaking round a hand or cap: a faint left-to-right ramp. */
      for (gint i = 0; i < 8; i++)
        box (&p, i * 160.0, 0, 160, 720, (RviCamsimColour){ (guint8)(18 + i / 2), 128, 128 });
      break;
    case RVI_CAMSIM_SCENE_DEFOCUSED:
      draw_yard (&p, &normal_layout, index, t);
      rvi_camsim_canvas_blur (frame, MAX (2, GST_VIDEO_FRAME_WIDTH (frame) / 40), scratch);
      break;
    case RVI_CAMSIM_SCENE_MOVED:
      draw_yard (&p, &moved_layout, index, t);
      break;
    case RVI_CAMSIM_SCENE_NIGHT:
      draw_yard (&p, &normal_layout, index, t);
      infrared (frame, wall_ms);
      break;
    case RVI_CAMSIM_SCENE_NORMAL:
    case RVI_CAMSIM_SCENE_FROZEN:
    default:
      draw_yard (&p, &normal_layout, index, t);
      break;
  }
  draw_display (frame, label, wall_ms);
}

static const gchar *const scene_names[] = { "normal", "covered", "defocused", "moved", "frozen",
                                            "night" };

gboolean
rvi_camsim_scene_from_string (const gchar *text, RviCamsimScene *scene_out)
{
  for (guint i = 0; i < G_N_ELEMENTS (scene_names); i++) {
    if (g_strcmp0 (text, scene_names[i]) == 0) {
      *scene_out = (RviCamsimScene)i;
      return TRUE;
    }
  }
  return FALSE;
}

const gchar *
rvi_camsim_scene_to_string (RviCamsimScene scene)
{
  g_return_val_if_fail ((guint)scene < G_N_ELEMENTS (scene_names), "normal");
  return scene_names[scene];
}
