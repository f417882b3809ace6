/* test-clip-export.c: rvi_clip_export on real recordings.
 *
 * Three cameras of `rvi camsim` are recorded with RviIngest (native path,
 * a key frame every 2 s) when a test first needs them: 29 s of 720p H.264
 * without B-frames in 10 s segments, and 13 s each of 640x360 H.264 and
 * H.265 (open GOPs) with 2 B-frames in 4 s segments. The tests cut clips
 * out of them and check with ffprobe and ffmpeg: codec, profile and sample
 * entry (hvc1) copied; moov before mdat; the first packet a key frame, the
 * last one at or before from; every recorded frame of [first, to) in the
 * clip at its wall-clock time, nothing else but at most reorder frames
 * after to; decode times strictly increasing; the frame after a segment
 * boundary within 1.5 frame intervals (or the gap left out); duration and
 * frame count; a clean decode; progress. Then: nothing recorded, a
 * missing file, cancellation, a truncated last source (in an mdat and in
 * a moof) and a codec change. */
#include "camsim-harness.h"
#include "clip-export.h"
#include "native-clock.h"
#include "fmp4-index.h"
#include "ingest-recording.h"
#include "rvi-error.h"

#include <glib/gstdio.h>
#include <gst/gst.h>
#include <json-glib/json-glib.h>
#include <string.h>

#define GOP_US (2 * G_USEC_PER_SEC)
#define MATCH_US 50   /* wall times of one frame in source and clip: rounding only */

typedef struct {
  const char *name;
  const char *const *camsim;
  guint segment_s;
  double seconds;
  gint64 frame_us;
  guint reorder;       /* B-frames */
  GPtrArray *segs;     /* Seg * */
} Rec;

typedef RviTestSegment Seg;  /* path, start_wall_us, end_wall_us */

typedef struct {
  gint64 pts, dts, duration;  /* us */
  gboolean key;
  gint64 pos, size;           /* bytes */
} Pkt;

typedef struct {
  char *codec, *profile, *tag;
  gint64 width, height;
  double duration;
  GArray *pkts;               /* Pkt, decode order */
} Probe;

static char *tmpdir;
static Rec recs[] = {
  { "h264", (const char *const[]){ "--cameras", "1", NULL }, 10, 29, G_USEC_PER_SEC / 15, 0 },
  { "h264-b", (const char *const[]){ "--cameras", "1", "--size", "640x360", "--bframes", "2",
                                     NULL }, 4, 13, G_USEC_PER_SEC / 15, 2 },
  { "h265-b", (const char *const[]){ "--cameras", "1", "--size", "640x360", "--codec", "h265",
                                     "--bframes", "2", NULL }, 4, 13, G_USEC_PER_SEC / 15, 2 },
};

static void
record (Rec *rec)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (RviCamsimChild) child = rvi_camsim_child_start (rec->camsim, &error);
  g_autofree char *url = child ? rvi_camsim_child_url (child, 1) : NULL;
  g_autofree char *dir = g_build_filename (tmpdir, rec->name, NULL);
  RviIngestSettings settings = { .url = url, .transport = RVI_TRANSPORT_AUTO, .segment_dir = dir,
                                 .camera_id = rec->name, .segment_seconds = rec->segment_s,
                                 .first_segment_seconds = rec->segment_s, .fragment_ms = 1000,
                                 .stall_timeout_ms = 5000, .connect_timeout_ms = 5000 };
  RviTestRecording r;

  g_assert_no_error (error);
  rvi_test_recording_start (&r, &settings);
  g_assert_true (rvi_test_recording_wait (&r, &r.started, 15));
  rvi_test_recording_run (&r, rec->seconds);
  rvi_ingest_stop (r.ingest);
  g_assert_true (rvi_test_recording_wait (&r, &r.stopped, 15));
  g_assert_false (r.failed);
  rec->segs = g_ptr_array_ref (r.closed);
  for (guint i = 0; i < r.closed->len; i++)
    g_test_message ("%s: segment %u: %.3f s", rec->name, i,
                    ((Seg *) g_ptr_array_index (r.closed, i))->duration_us / 1e6);
  g_assert_cmpuint (rec->segs->len, >=, 3);
  rvi_test_recording_clear (&r);
}

/* Segment @i of @rec, recorded on first use (so -p runs one test). */
static Seg *
seg (Rec *rec, guint i)
{
  if (rec->segs == NULL)
    record (rec);
  g_assert_cmpuint (i, <, rec->segs->len);
  return g_ptr_array_index (rec->segs, i);
}

/* @seconds after the start of @s, wall clock. */
static gint64
at (const Seg *s, double seconds)
{
  return s->start_wall_us + (gint64) (seconds * G_USEC_PER_SEC);
}

static char *
run (const char *const *argv, char **err)
{
  g_autoptr (GError) error = NULL;
  char *out = NULL;
  int status;

  g_spawn_sync (NULL, (char **) argv, NULL, G_SPAWN_SEARCH_PATH, NULL, NULL, &out, err, &status,
                &error);
  g_assert_no_error (error);
  g_assert_true (g_spawn_check_wait_status (status, NULL));
  return out;
}

static void
probe_clear (Probe *p)
{
  g_free (p->codec);
  g_free (p->profile);
  g_free (p->tag);
  g_clear_pointer (&p->pkts, g_array_unref);
}

/* ffprobe's stream, format and packets of @path, times in us. */
static void
probe (const char *path, Probe *p)
{
  const char *argv[] = { "ffprobe", "-v", "error", "-select_streams", "v:0", "-show_entries",
                         "stream=codec_name,profile,codec_tag_string,width,height,time_base:"
                         "format=duration:packet=pts,dts,duration,flags,pos,size", "-of", "json",
                         path, NULL };
  g_autofree char *err = NULL;
  g_autofree char *out = run (argv, &err);  /* a truncated source makes it talk */
  g_autoptr (JsonParser) parser = json_parser_new ();
  g_autoptr (GError) error = NULL;
  JsonObject *root, *stream;
  JsonArray *packets;
  gint64 num, den;

  g_assert_true (json_parser_load_from_data (parser, out, -1, &error));
  g_assert_no_error (error);
  root = json_node_get_object (json_parser_get_root (parser));
  stream = json_array_get_object_element (json_object_get_array_member (root, "streams"), 0);
  p->codec = g_strdup (json_object_get_string_member (stream, "codec_name"));
  p->profile = g_strdup (json_object_get_string_member (stream, "profile"));
  p->tag = g_strdup (json_object_get_string_member (stream, "codec_tag_string"));
  p->width = json_object_get_int_member (stream, "width");
  p->height = json_object_get_int_member (stream, "height");
  g_assert_cmpint (sscanf (json_object_get_string_member (stream, "time_base"),
                           "%" G_GINT64_FORMAT "/%" G_GINT64_FORMAT, &num, &den), ==, 2);
  p->duration = g_ascii_strtod (json_object_get_string_member (
                  json_object_get_object_member (root, "format"), "duration"), NULL);
  packets = json_object_get_array_member (root, "packets");
  p->pkts = g_array_new (FALSE, FALSE, sizeof (Pkt));
  for (guint i = 0; i < json_array_get_length (packets); i++) {
    JsonObject *o = json_array_get_object_element (packets, i);
    Pkt k = { json_object_get_int_member_with_default (o, "pts", 0) * num * G_USEC_PER_SEC / den,
              json_object_get_int_member_with_default (o, "dts", 0) * num * G_USEC_PER_SEC / den,
              json_object_get_int_member_with_default (o, "duration", 0) * num * G_USEC_PER_SEC
                / den,
              json_object_get_string_member (o, "flags")[0] == 'K',
              g_ascii_strtoll (json_object_get_string_member (o, "pos"), NULL, 10),
              g_ascii_strtoll (json_object_get_string_member (o, "size"), NULL, 10) };

    g_array_append_val (p->pkts, k);
  }
  g_assert_cmpuint (p->pkts->len, >, 0);
}

static int
cmp_int64 (gconstpointer a, gconstpointer b)
{
  gint64 x = *(const gint64 *) a, y = *(const gint64 *) b;

  return x < y ? -1 : x > y;
}

/* Wall times (sorted) of the frames of @segs; key frames in @keys, the
 * last frame (in presentation) of each source but the last in @lasts. The
 * last packet of a @damaged source may be a sample cut short: left out. */
static GArray *
source_frames (Seg **segs, guint n, gboolean damaged, GArray *keys, GArray *lasts, Probe *first)
{
  GArray *walls = g_array_new (FALSE, FALSE, sizeof (gint64));

  for (guint s = 0; s < n; s++) {
    Probe p = { 0 };
    gint64 last = G_MININT64;
    guint len;

    probe (segs[s]->path, &p);
    len = p.pkts->len - (damaged && s + 1 == n ? 1 : 0);
    for (guint i = 0; i < len; i++) {
      const Pkt *k = &g_array_index (p.pkts, Pkt, i);
      gint64 wall = segs[s]->start_wall_us + k->pts - g_array_index (p.pkts, Pkt, 0).pts;

      g_array_append_val (walls, wall);
      if (k->key)
        g_array_append_val (keys, wall);
      last = MAX (last, wall);
    }
    if (s + 1 < n)
      g_array_append_val (lasts, last);
    if (s == 0)
      *first = p;
    else
      probe_clear (&p);
  }
  g_array_sort (walls, cmp_int64);
  return walls;
}

/* moov before mdat (faststart): the first "moov" and "mdat" are the boxes. */
static void
check_moov_first (const char *path)
{
  g_autofree char *data = NULL;
  gsize size;
  const char *moov, *mdat;

  g_assert_true (g_file_get_contents (path, &data, &size, NULL));
  moov = memmem (data, size, "moov", 4);
  mdat = memmem (data, size, "mdat", 4);
  g_assert_true (moov != NULL && mdat != NULL && moov < mdat);
}

typedef struct {
  const Rec *rec;
  Seg **segs;
  guint n;
  gint64 from, to;
  gboolean damaged;    /* the last source is truncated */
  gint64 gap_us;       /* the jump expected at the boundary (0: none) */
  guint boundaries;    /* source boundaries inside the clip */
} Expect;

/* Everything the file comment lists, for the clip at @path. */
static void
check_clip (const char *path, const RviClipInfo *info, const Expect *e)
{
  /* the input's time base for the null output: in 1/fps, two frames less
   * than a frame apart (the recorder's clock slews durations) could share a tick */
  const char *decode[] = { "ffmpeg", "-nostdin", "-v", "error", "-i", path, "-enc_time_base",
                           "-1", "-f", "null", "-", NULL };
  g_autoptr (GArray) keys = g_array_new (FALSE, FALSE, sizeof (gint64));
  g_autoptr (GArray) walls = g_array_new (FALSE, FALSE, sizeof (gint64));
  g_autoptr (GArray) lasts = g_array_new (FALSE, FALSE, sizeof (gint64));
  g_autoptr (GArray) src = NULL;
  g_autofree char *err = NULL, *out = NULL;
  g_autofree char *partial = g_strconcat (path, ".partial", NULL);
  gint64 frame = e->rec->frame_us, min_pts = G_MAXINT64, last_dts = G_MININT64;
  guint after = 0, ambiguous = 0, boundaries = 0, reordered = 0, j = 0, expected = 0;
  Probe clip = { 0 }, first = { 0 };
  GStatBuf st;

  g_assert_false (g_file_test (partial, G_FILE_TEST_EXISTS));
  g_assert_cmpint (g_stat (path, &st), ==, 0);
  g_assert_cmpuint (info->bytes, ==, (guint64) st.st_size);
  check_moov_first (path);
  probe (path, &clip);
  src = source_frames (e->segs, e->n, e->damaged, keys, lasts, &first);

  /* the stream copied as it is */
  g_assert_cmpstr (clip.codec, ==, first.codec);
  g_assert_cmpstr (clip.profile, ==, first.profile);
  g_assert_cmpstr (clip.tag, ==, first.tag);
  g_assert_cmpstr (clip.tag, ==, g_str_equal (clip.codec, "hevc") ? "hvc1" : "avc1");
  g_assert_cmpint (clip.width, ==, first.width);
  g_assert_cmpint (clip.height, ==, first.height);

  /* decode order: key first, decode times strictly increasing */
  g_assert_cmpuint (clip.pkts->len, ==, info->frames);
  g_assert_true (g_array_index (clip.pkts, Pkt, 0).key);
  for (guint i = 0; i < clip.pkts->len; i++) {
    const Pkt *k = &g_array_index (clip.pkts, Pkt, i);

    g_assert_cmpint (k->dts, >, last_dts);
    g_assert_cmpint (k->dts, <=, k->pts);
    last_dts = k->dts;
    min_pts = MIN (min_pts, k->pts);
    reordered += k->pts != k->dts + (g_array_index (clip.pkts, Pkt, 0).pts -
                                     g_array_index (clip.pkts, Pkt, 0).dts);
    g_array_append_val (walls, k->pts);
  }
  g_assert_cmpint (reordered > 0, ==, e->rec->reorder > 0);
  if (clip.pkts->len > 1)  /* no hole in decode times after the first frame (leading pictures) */
    g_assert_cmpint (g_array_index (clip.pkts, Pkt, 1).dts - g_array_index (clip.pkts, Pkt, 0).dts,
                     <=, frame * 3 / 2);
  for (guint i = 0; i < walls->len; i++)  /* clip time to wall clock */
    g_array_index (walls, gint64, i) += info->first_us - min_pts;
  g_array_sort (walls, cmp_int64);

  /* the first frame: the last key frame at or before from (or the first recorded) */
  g_assert_cmpint (info->first_us, <=, MAX (e->from, e->segs[0]->start_wall_us));
  g_assert_cmpint (MAX (e->from, e->segs[0]->start_wall_us) - info->first_us, <, GOP_US);
  for (guint i = 0; i < keys->len; i++) {
    gint64 k = g_array_index (keys, gint64, i);

    if (ABS (k - info->first_us) <= MATCH_US)
      j++;
    else if (k > info->first_us)
      g_assert_cmpint (k, >, e->from);  /* no later key frame at or before from */
  }
  g_assert_cmpuint (j, ==, 1);

  /* every recorded frame of [first, to) at its wall time; only a few after
   * to (a frame within MATCH_US of to may fall either side: not counted) */
  j = 0;
  for (guint i = 0; i < src->len; i++) {
    gint64 s = g_array_index (src, gint64, i);

    if (s < info->first_us - MATCH_US || s >= e->to - MATCH_US)
      continue;
    expected++;
    while (j < walls->len && g_array_index (walls, gint64, j) < s - MATCH_US)
      j++;
    g_assert_cmpuint (j, <, walls->len);
    g_assert_cmpint (ABS (g_array_index (walls, gint64, j) - s), <=, MATCH_US);
  }
  for (guint i = 0; i < walls->len; i++) {
    gint64 w = g_array_index (walls, gint64, i);

    after += w >= e->to + MATCH_US;
    ambiguous += ABS (w - e->to) < MATCH_US;
  }
  g_test_message ("%u frames at or after to", after);
  g_assert_cmpuint (after, <=, e->rec->reorder);
  g_assert_cmpuint (walls->len, ==, expected + after + ambiguous);

  /* segment boundaries: the next frame follows within 1.5 frame intervals
   * (the frames match the sources', so a jump elsewhere is the camera's) */
  for (guint b = 0; b < lasts->len; b++) {
    gint64 last = g_array_index (lasts, gint64, b), d;

    if (last < info->first_us || last >= e->to)
      continue;
    for (j = 0; j < walls->len && ABS (g_array_index (walls, gint64, j) - last) > MATCH_US; j++)
      ;
    g_assert_cmpuint (j + 1, <, walls->len);
    d = g_array_index (walls, gint64, j + 1) - last;
    g_test_message ("boundary %u: next frame %.1f ms after the last", b, d / 1e3);
    if (e->gap_us > 0)
      g_assert_cmpint (ABS (d - e->gap_us), <=, frame);
    else
      g_assert_cmpint (d, <=, frame * 3 / 2);
    boundaries++;
  }
  g_assert_cmpuint (boundaries, ==, e->boundaries);

  /* duration, end and frame count */
  g_test_message ("%s: %.3f s asked, clip from %.3f s before, ffprobe %.3f s, %u frames, "
                  "%" G_GUINT64_FORMAT " bytes", path, (e->to - e->from) / 1e6,
                  (e->from - info->first_us) / 1e6, clip.duration, info->frames, info->bytes);
  g_assert_cmpfloat (clip.duration * 1e6, >=,
                     MIN (e->to, info->end_us) - MAX (e->from, info->first_us) - frame);
  g_assert_cmpfloat (clip.duration * 1e6, <=,
                     e->to - e->from + GOP_US + (e->rec->reorder + 1) * frame);
  g_assert_cmpfloat (ABS (clip.duration * 1e6 - (info->end_us - info->first_us)), <=, frame);
  /* frames over the duration: the recorder's clock may run up to its slew
   * rate off the camera's while it comes to the camera's clock */
  if (e->gap_us == 0)
    g_assert_cmpfloat (ABS (info->frames - clip.duration * 1e6 / frame), <=,
                       1.5 + info->frames * (double) RVI_NATIVE_CLOCK_SLEW_PPM / 1e6);

  /* and it decodes without a word */
  out = run (decode, &err);
  g_assert_cmpstr (err, ==, "");
  probe_clear (&clip);
  probe_clear (&first);
}

typedef struct {
  GArray *calls;       /* gint64 done_us */
  gint64 total;
  GCancellable *cancel;  /* cancelled at the first call */
} Progress;

static void
on_progress (gint64 done_us, gint64 total_us, gpointer data)
{
  Progress *p = data;

  if (p->calls != NULL)
    g_array_append_val (p->calls, done_us);
  p->total = total_us;
  if (p->cancel != NULL)
    g_cancellable_cancel (p->cancel);
}

static RviClipSource *
sources_of (Seg **segs, guint n)
{
  RviClipSource *sources = g_new0 (RviClipSource, n);

  for (guint i = 0; i < n; i++)
    sources[i] = (RviClipSource){ segs[i]->path, segs[i]->start_wall_us, segs[i]->end_wall_us };
  return sources;
}

/* Exports @e into tmpdir/@name and checks it. */
static void
export_and_check (const char *name, const Expect *e, RviClipInfo *info)
{
  g_autofree RviClipSource *sources = sources_of (e->segs, e->n);
  g_autofree char *path = g_build_filename (tmpdir, name, NULL);
  g_autoptr (GError) error = NULL;
  g_autoptr (GArray) calls = g_array_new (FALSE, FALSE, sizeof (gint64));
  Progress progress = { calls, 0, NULL };
  gint64 t0 = g_get_monotonic_time ();

  g_assert_true (rvi_clip_export (sources, e->n, e->from, e->to, path, on_progress, &progress,
                                  NULL, info, &error));
  g_assert_no_error (error);
  g_test_message ("%s: exported in %.1f ms", name, (g_get_monotonic_time () - t0) / 1e3);
  g_assert_cmpint (progress.total, ==, e->to - e->from);
  g_assert_cmpuint (calls->len, >=, 2);
  for (guint i = 1; i < calls->len; i++)
    g_assert_cmpint (g_array_index (calls, gint64, i), >=, g_array_index (calls, gint64, i - 1));
  g_assert_cmpint (g_array_index (calls, gint64, calls->len - 1), ==, e->to - e->from);
  check_clip (path, info, e);
}

/* 20 s of 720p across two boundaries, from and to between key frames. */
static void
test_across (void)
{
  Rec *rec = &recs[0];
  Seg *segs[] = { seg (rec, 0), seg (rec, 1), seg (rec, 2) };
  Expect e = { rec, segs, 3, at (segs[0], 3.1), at (segs[0], 23.1), FALSE, 0, 2 };
  RviClipInfo info;

  g_assert_cmpint (e.to, <, segs[2]->end_wall_us - G_USEC_PER_SEC);
  export_and_check ("across.mp4", &e, &info);
  g_assert_true (info.damaged == 0 && info.next_us == 0);
  /* key frames every 2 s from each segment's start: 3.1 s is 1.1 s past one */
  g_assert_cmpint (ABS (e.from - info.first_us - 1100000), <=, rec->frame_us);
}

/* Inside one segment: only that one is needed, the others are given. */
static void
test_inside (void)
{
  Rec *rec = &recs[0];
  Seg *segs[] = { seg (rec, 0), seg (rec, 1), seg (rec, 2) };
  Expect e = { rec, segs, 3, at (segs[1], 4.5), at (segs[1], 7.25), FALSE, 0, 0 };
  RviClipInfo info;

  export_and_check ("inside.mp4", &e, &info);
  g_assert_cmpint (info.first_us, >=, segs[1]->start_wall_us);
  g_assert_cmpint (info.end_us, <=, segs[1]->end_wall_us);
}

/* Starting before the first source: the clip starts at its first frame. */
static void
test_before_first (void)
{
  Rec *rec = &recs[0];
  Seg *segs[] = { seg (rec, 0), seg (rec, 1) };
  Expect e = { rec, segs, 2, at (segs[0], -5), at (segs[0], 3.3), FALSE, 0, 0 };
  RviClipInfo info;

  export_and_check ("before.mp4", &e, &info);
  g_assert_cmpint (ABS (info.first_us - segs[0]->start_wall_us), <=, MATCH_US);
}

/* A missing segment in the list is a gap: it stays one in clip time. */
static void
test_gap (void)
{
  Rec *rec = &recs[0];
  Seg *segs[] = { seg (rec, 0), seg (rec, 2) };
  Expect e = { rec, segs, 2, at (segs[0], 7.7), at (segs[1], 2.9), FALSE,
               segs[1]->start_wall_us - segs[0]->end_wall_us + rec->frame_us, 1 };
  RviClipInfo info;

  export_and_check ("gap.mp4", &e, &info);
}

/* B-frames, H.264 and H.265 (hvc1, open GOPs), across a boundary. */
static void
test_bframes (gconstpointer data)
{
  Rec *rec = (Rec *) data;
  Seg *segs[] = { seg (rec, 0), seg (rec, 1), seg (rec, 2) };
  Expect e = { rec, segs, 3, at (segs[0], 2.7), at (segs[1], 1.43), FALSE, 0, 1 };
  g_autofree char *name = g_strdup_printf ("%s.mp4", rec->name);
  RviClipInfo info;

  export_and_check (name, &e, &info);
  if (rec == &recs[2]) {  /* open GOPs: the next segment's leading pictures come before it */
    e.to = at (segs[1], -0.05);
    export_and_check ("h265-lead.mp4", &e, &info);
  }
}

/* The last source cut in the middle of a frame in the middle of its last
 * fragment (as after a crash): the clip has what is readable and says a
 * source was damaged. */
static void
test_truncated (void)
{
  Rec *rec = &recs[0];
  Seg *last = seg (rec, rec->segs->len - 1);
  g_autofree char *copy = g_build_filename (tmpdir, "truncated-source.mp4", NULL);
  g_autofree char *data = NULL;
  g_autoptr (GError) error = NULL;
  g_autoptr (RviSegmentInfo) index = rvi_fmp4_index_file (last->path, FALSE, &error);
  const RviFragment *frag = NULL;
  const Pkt *cut_in = NULL;
  Seg cut = *last;
  Seg *segs[] = { seg (rec, rec->segs->len - 2), &cut };
  Expect e = { rec, segs, 2, at (segs[0], 5.3), last->end_wall_us + G_USEC_PER_SEC, TRUE, 0, 1 };
  Probe p = { 0 };
  RviClipInfo info;
  guint in_frag = 0, seen = 0;
  gsize size;

  g_assert_no_error (error);
  cut.path = copy;
  g_assert_true (g_file_get_contents (last->path, &data, &size, NULL));
  probe (last->path, &p);
  /* the last fragment of 4 frames or more (a recording may stop just
   * after a key frame); cut there, it becomes the last */
  for (guint f = index->fragments->len; f-- > 1 && in_frag < 4;) {
    frag = &g_array_index (index->fragments, RviFragment, f);
    in_frag = 0;
    for (guint i = 0; i < p.pkts->len; i++) {
      gint64 pos = g_array_index (p.pkts, Pkt, i).pos;

      in_frag += pos > (gint64) frag->offset && pos < (gint64) (frag->offset + frag->size);
    }
  }
  g_assert_cmpuint (in_frag, >=, 4);
  for (guint i = 0; i < p.pkts->len && cut_in == NULL; i++)
    if (g_array_index (p.pkts, Pkt, i).pos > (gint64) frag->offset && ++seen > in_frag / 2)
      cut_in = &g_array_index (p.pkts, Pkt, i);
  g_assert_nonnull (cut_in);
  g_assert_true (g_file_set_contents (copy, data, cut_in->pos + cut_in->size / 2, NULL));
  probe_clear (&p);

  export_and_check ("truncated.mp4", &e, &info);
  g_assert_cmpuint (info.damaged, ==, 1);
  /* it ends inside the last fragment: what was before the cut is there */
  g_test_message ("cut after %u of %u frames of the last fragment", seen - 1, in_frag);
  g_assert_cmpint (info.end_us, >, at (last, 0) + frag->start_us + (seen - 1) * rec->frame_us / 2);
  g_assert_cmpint (info.end_us, <, last->start_wall_us + frag->start_us + frag->duration_us);

  /* cut inside the last moof (libavformat would refuse the file): the
   * clip is that of the file without its last fragment */
  {
    g_autofree char *clean = g_build_filename (tmpdir, "clean-source.mp4", NULL);
    g_autofree char *out = g_build_filename (tmpdir, "truncated-moof.mp4", NULL);
    Seg whole = *last;
    Seg *clean_segs[] = { segs[0], &whole };
    Expect clean_e = { rec, clean_segs, 2, e.from, e.to, FALSE, 0, 1 };
    g_autofree RviClipSource *sources = sources_of (segs, 2);

    whole.path = clean;
    g_assert_true (g_file_set_contents (clean, data, (gssize) frag->offset, NULL));
    g_assert_true (g_file_set_contents (copy, data, (gssize) frag->offset + 20, NULL));
    g_assert_true (rvi_clip_export (sources, 2, e.from, e.to, out, NULL, NULL, NULL, &info,
                                    &error));
    g_assert_no_error (error);
    g_assert_cmpuint (info.damaged, ==, 1);
    check_clip (out, &info, &clean_e);
    g_assert_cmpint (ABS (info.end_us - (last->start_wall_us + frag->start_us)), <=, rec->frame_us);
  }
}

static void
assert_nothing_left (const char *path)
{
  g_autofree char *partial = g_strconcat (path, ".partial", NULL);

  g_assert_false (g_file_test (path, G_FILE_TEST_EXISTS));
  g_assert_false (g_file_test (partial, G_FILE_TEST_EXISTS));
}

/* No frame in the range: after the recording, and in a gap of the list. */
static void
test_nothing (void)
{
  Rec *rec = &recs[0];
  Seg *segs[] = { seg (rec, 0), seg (rec, 2) };
  g_autofree RviClipSource *sources = sources_of (segs, 2);
  g_autofree char *path = g_build_filename (tmpdir, "nothing.mp4", NULL);
  RviClipInfo info;

  for (guint round = 0; round < 3; round++) {
    g_autoptr (GError) error = NULL;
    gint64 from = round == 0 ? segs[1]->end_wall_us + G_USEC_PER_SEC
                  : round == 1 ? segs[0]->end_wall_us + G_USEC_PER_SEC : at (segs[0], -60);
    gint64 to = round == 2 ? segs[0]->start_wall_us - 1 : from + 3 * G_USEC_PER_SEC;

    g_assert_false (rvi_clip_export (sources, 2, from, to, path, NULL, NULL, NULL, &info, &error));
    g_assert_error (error, RVI_ERROR, RVI_ERROR_NOT_FOUND);
    assert_nothing_left (path);
    g_assert_cmpuint (info.frames, ==, 0);
  }
}

/* A source whose file is gone: an error naming it, nothing written. */
static void
test_missing (void)
{
  Rec *rec = &recs[0];
  Seg gone = *seg (rec, 1);
  Seg *segs[] = { seg (rec, 0), &gone };
  g_autofree RviClipSource *sources = NULL;
  g_autofree char *path = g_build_filename (tmpdir, "missing.mp4", NULL);
  g_autoptr (GError) error = NULL;

  gone.path = (char *) "/nonexistent/rvi/segment.mp4";
  sources = sources_of (segs, 2);
  g_assert_false (rvi_clip_export (sources, 2, at (segs[0], 3), at (&gone, 3), path, NULL, NULL,
                                   NULL, NULL, &error));
  g_assert_error (error, RVI_ERROR, RVI_ERROR_FAILED);
  g_assert_nonnull (strstr (error->message, gone.path));
  assert_nothing_left (path);
}

/* Cancelled from the progress callback: G_IO_ERROR_CANCELLED, nothing left. */
static void
test_cancel (void)
{
  Rec *rec = &recs[0];
  Seg *segs[] = { seg (rec, 0), seg (rec, 1) };
  g_autofree RviClipSource *sources = sources_of (segs, 2);
  g_autofree char *path = g_build_filename (tmpdir, "cancel.mp4", NULL);
  g_autoptr (GCancellable) cancel = g_cancellable_new ();
  g_autoptr (GError) error = NULL;
  Progress progress = { NULL, 0, cancel };

  g_assert_false (rvi_clip_export (sources, 2, at (segs[0], 0), segs[1]->end_wall_us, path,
                                   on_progress, &progress, cancel, NULL, &error));
  g_assert_error (error, G_IO_ERROR, G_IO_ERROR_CANCELLED);
  assert_nothing_left (path);
}

/* Another codec in the list: the clip ends before it and says where. */
static void
test_codec_change (void)
{
  Seg *segs[] = { seg (&recs[0], recs[0].segs->len - 1), seg (&recs[2], 0) };
  g_autofree RviClipSource *sources = sources_of (segs, 2);
  g_autofree char *path = g_build_filename (tmpdir, "change.mp4", NULL);
  g_autoptr (GError) error = NULL;
  RviClipInfo info;

  g_assert_cmpint (segs[1]->start_wall_us, >, segs[0]->end_wall_us);
  g_assert_true (rvi_clip_export (sources, 2, at (segs[0], 0.001), segs[1]->end_wall_us, path,
                                  NULL, NULL, NULL, &info, &error));
  g_assert_no_error (error);
  g_assert_cmpint (info.next_us, ==, segs[1]->start_wall_us);
  g_assert_cmpint (ABS (info.end_us - segs[0]->end_wall_us), <=, recs[0].frame_us);
}

int
main (int argc, char **argv)
{
  g_autoptr (GError) error = NULL;
  int status;

  gst_init (&argc, &argv);
  g_test_init (&argc, &argv, NULL);
  rvi_test_ingest_watchdog (280);
  tmpdir = g_dir_make_tmp ("rvi-clip-XXXXXX", &error);
  g_assert_no_error (error);

  g_test_add_func ("/clip-export/across", test_across);
  g_test_add_func ("/clip-export/inside", test_inside);
  g_test_add_func ("/clip-export/before-first", test_before_first);
  g_test_add_func ("/clip-export/gap", test_gap);
  g_test_add_data_func ("/clip-export/h264-bframes", &recs[1], test_bframes);
  g_test_add_data_func ("/clip-export/h265-bframes", &recs[2], test_bframes);
  g_test_add_func ("/clip-export/truncated", test_truncated);
  g_test_add_func ("/clip-export/nothing", test_nothing);
  g_test_add_func ("/clip-export/missing", test_missing);
  g_test_add_func ("/clip-export/cancel", test_cancel);
  g_test_add_func ("/clip-export/codec-change", test_codec_change);
  status = g_test_run ();
  for (guint i = 0; i < G_N_ELEMENTS (recs); i++)
    g_clear_pointer (&recs[i].segs, g_ptr_array_unref);
  if (g_getenv ("RVI_TEST_KEEP") == NULL)
    rvi_test_ingest_rmtree (tmpdir);
  g_free (tmpdir);
  return status;
}
