/* native-clock.c: the recorded timeline of a native camera (native-clock.h). */
#define G_LOG_DOMAIN "rvi-ingest"

#include "native-clock.h"

#define TICKS 90000

gint64
rvi_native_clock_wall (const RviNativeClock *clock, gint64 tpts)
{
  return clock->anchor_wall + (tpts - clock->anchor_tpts) * G_USEC_PER_SEC / TICKS;
}

/* The correction at camera time @pts: from the knot towards the aim, as
 * far as the camera time since the knot allows. */
static gint64
correction (const RviNativeClock *clock, gint64 pts)
{
  gint64 span_us = MAX (pts - clock->knot_pts, 0) * G_USEC_PER_SEC / TICKS;
  gint64 most = span_us * RVI_NATIVE_CLOCK_SLEW_PPM / 1000000;

  return clock->knot_us + CLAMP (clock->aim_us - clock->knot_us, -most, most);
}

/* From the last frame on, the correction runs towards @aim_us. */
static void
aim (RviNativeClock *clock, gint64 aim_us)
{
  clock->knot_us = correction (clock, clock->pts);
  clock->knot_pts = clock->pts;
  clock->aim_us = aim_us;
}

static void
anchor (RviNativeClock *clock, gint64 tpts, gint64 now_real)
{
  clock->anchored = TRUE;
  clock->anchor_wall = now_real;
  clock->anchor_tpts = tpts;
  aim (clock, correction (clock, clock->pts));
  clock->have_lead = FALSE;
}

gint64
rvi_native_clock_frame (RviNativeClock *clock, gint64 pts, gint64 now_real, gboolean *jumped)
{
  gint64 now_us, tpts, lead;

  *jumped = FALSE;
  clock->pts = pts;
  now_us = correction (clock, pts);
  tpts = pts + now_us * TICKS / G_USEC_PER_SEC;
  if (!clock->anchored) {
    anchor (clock, tpts, now_real);
    return tpts;
  }
  lead = now_real - rvi_native_clock_wall (clock, tpts);
  if (ABS (lead) > RVI_NATIVE_CLOCK_JUMP_US) {
    anchor (clock, tpts, now_real);
    *jumped = TRUE;
    return tpts;
  }
  /* against the timeline aimed at, so a correction under way is not counted twice */
  lead -= clock->aim_us - now_us;
  if (!clock->have_lead || lead < clock->min_lead_us)
    clock->min_lead_us = lead;
  clock->have_lead = TRUE;
  return tpts;
}

gint64
rvi_native_clock_camera (RviNativeClock *clock, const char *camera_id, gint64 tpts,
                         gint64 camera_us, gint64 now_real)
{
  gint64 delay = now_real - camera_us;
  gint64 offset = camera_us - rvi_native_clock_wall (clock, tpts);
  gboolean agrees = delay >= -RVI_NATIVE_CLOCK_AHEAD_US && delay <= RVI_NATIVE_CLOCK_LATE_US;

  if (agrees && (!clock->judged || !clock->on_camera_clock))
    g_message ("camera %s: recording on the camera's clock (frames arrive %.0f ms after capture)",
               camera_id, delay / 1e3);
  else if (!agrees && (!clock->judged || clock->on_camera_clock))
    g_message ("camera %s: the camera's clock is %+.3f s off ours; recording on receipt time",
               camera_id, -delay / 1e6);
  clock->judged = TRUE;
  clock->on_camera_clock = agrees;
  if (agrees)
    aim (clock, correction (clock, clock->pts) + offset);
  return offset;
}

void
rvi_native_clock_file_start (RviNativeClock *clock)
{
  if (!clock->on_camera_clock && clock->have_lead)
    aim (clock, clock->aim_us + clock->min_lead_us);
  clock->have_lead = FALSE;
}
