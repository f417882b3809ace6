/* native-clock.h: the recorded timeline of a native camera, from the
 * camera's RTP time to the wall clock. Private to pipelines/; used on the
 * reader thread only (no locking).
 *
 * DESIGN. The first frame anchors the camera's RTP clock to the wall clock
 * at receipt. From then on the timeline is the camera's RTP time plus a
 * correction that moves by at most RVI_NATIVE_CLOCK_SLEW_PPM of elapsed
 * camera time (a function of the frame's camera time, so frames that
 * arrive out of presentation order, B-frames, are corrected in order):
 * recorded time never steps, files meet exactly, and a frame's duration on
 * the timeline is off its camera duration by at most that fraction. The
 * correction aims at one of two clocks:
 *  - the camera's own (capture time, from RTCP sender reports) when it
 *    agrees with ours: a frame arrives no more than
 *    RVI_NATIVE_CLOCK_AHEAD_US before and no more than
 *    RVI_NATIVE_CLOCK_LATE_US after the camera says it was captured;
 *  - else the earliest arrival seen during the last file (the network and
 *    batching only ever delay a frame), re-aimed at each new file.
 * A jump of more than RVI_NATIVE_CLOCK_JUMP_US between timeline and receipt
 * (a camera restarting its clock) anchors again: the caller ends its file. */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

/* the correction's rate: 50 ms a second */
#define RVI_NATIVE_CLOCK_SLEW_PPM 50000
/* how far the camera's time of a frame may be after its receipt */
#define RVI_NATIVE_CLOCK_AHEAD_US (100 * G_TIME_SPAN_MILLISECOND)
/* and before it: capture to receipt, at most */
#define RVI_NATIVE_CLOCK_LATE_US G_USEC_PER_SEC
#define RVI_NATIVE_CLOCK_JUMP_US (3 * G_USEC_PER_SEC)

typedef struct {
  gboolean anchored;
  gint64 anchor_wall; /* us */
  gint64 anchor_tpts; /* 90 kHz, on the timeline */
  /* the correction (timeline minus camera time, us) runs from knot_us at
   * camera time knot_pts towards aim_us */
  gint64 knot_pts;
  gint64 knot_us;
  gint64 aim_us;
  gint64 pts;         /* the last frame's camera time */
  gint64 min_lead_us; /* earliest arrival against the aimed timeline, this file */
  gboolean have_lead;
  gboolean judged; /* a sender report was compared with receipt */
  gboolean on_camera_clock;
} RviNativeClock;

/* A frame of camera time @pts (90 kHz, unwrapped) read at @now_real (us).
 * Returns its time on the timeline (90 kHz); *@jumped when the camera's
 * clock jumped and the timeline was anchored again at this frame. */
gint64 rvi_native_clock_frame (RviNativeClock *clock, gint64 pts, gint64 now_real,
                               gboolean *jumped);

/* Wall clock (us) of timeline time @tpts. */
gint64 rvi_native_clock_wall (const RviNativeClock *clock, gint64 tpts);

/* The camera says the frame at timeline time @tpts, read at @now_real, was
 * captured at @camera_us (from its last sender report). Aims at the
 * camera's clock when it agrees with ours; logs a change of clock for
 * @camera_id. Returns camera time minus recorded time of that frame. */
gint64 rvi_native_clock_camera (RviNativeClock *clock, const char *camera_id, gint64 tpts,
                                gint64 camera_us, gint64 now_real);

/* A new file starts: on receipt time, aim at the last file's earliest arrival. */
void rvi_native_clock_file_start (RviNativeClock *clock);

G_END_DECLS
