/* camsim-scene.h: what a simulated camera sees, drawn into one I420 frame.
 *
 * A railyard: sky, warehouses, two tracks and a train of open wagons with
 * dark concentrate loads sliding across, each wagon with a painted number.
 * The camera index varies colours, speed and direction. On top sits the
 * on-screen display a customs camera burns in: the Beijing-time (UTC+8)
 * wall clock at the top, the timestamp blocks below it (see
 * timestamp-blocks.h) and the camera name at the bottom.
 *
 * Scenes, the tampering a camera can suffer:
 *   normal     the yard as described
 *   covered    lens covered: nearly black, almost no contrast
 *   defocused  the yard box-blurred with a radius of width/40
 *   moved      the camera re-aimed: horizon, tracks and train elsewhere,
 *              the train closer and running the other way, a mast in front
 *   frozen     the picture stops: the caller keeps drawing the normal
 *              scene with the time and stamp of the frame where the freeze
 *              began, so frame content is identical (see camsim-picture.h)
 *   night      the normal yard as an infrared camera sees it at night:
 *              monochrome, darker, flatter and noisy; edges where they
 *              were (no alert must fire)
 * The display (clock, stamp, name) is drawn in every scene, sharp, as a
 * real camera's OSD is; detectors should ignore the top 4.5/45 of the
 * height and the bottom 3/45. */
#pragma once

#include <gst/video/video.h>

G_BEGIN_DECLS

typedef enum {
  RVI_CAMSIM_SCENE_NORMAL,
  RVI_CAMSIM_SCENE_COVERED,
  RVI_CAMSIM_SCENE_DEFOCUSED,
  RVI_CAMSIM_SCENE_MOVED,
  RVI_CAMSIM_SCENE_FROZEN,
  RVI_CAMSIM_SCENE_NIGHT,
} RviCamsimScene;

/* Parses a scene name; returns FALSE for an unknown one. */
gboolean rvi_camsim_scene_from_string (const gchar *text, RviCamsimScene *scene_out);

/* The scene's name. Transfer none: static string. */
const gchar *rvi_camsim_scene_to_string (RviCamsimScene scene);

/* Draws camera @index (1-based) labelled @label at @t seconds into its
 * stream in @scene (FROZEN draws as NORMAL), stamped with @wall_ms. @frame is
 * a mapped I420 frame of at least 320x180; @scratch holds
 * rvi_camsim_canvas_blur_scratch_size() bytes for the defocused scene. */
void rvi_camsim_scene_draw (GstVideoFrame *frame, guint index, const gchar *label,
                            RviCamsimScene scene, gdouble t, gint64 wall_ms, guint8 *scratch);

/* Formats @ms since the epoch as Beijing time "YYYY-MM-DD HH:MM:SS" into
 * @buf (at least 20 bytes) without allocating. */
void rvi_camsim_scene_format_clock (gint64 ms, gchar *buf, gsize size);

G_END_DECLS
