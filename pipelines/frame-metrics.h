/* frame-metrics.h: what one decoded key frame says about its camera's view.
 *
 * Measured on the luma plane only, without the bands where cameras burn in
 * their on-screen display (clock at the top, name at the bottom: the top
 * RVI_FRAME_OSD_TOP and bottom RVI_FRAME_OSD_BOTTOM of the height), after
 * an area-average to a fixed analysis size, so that every camera is
 * measured alike whatever its resolution and noise is averaged away.
 *
 *   luma       mean, 0..255 (dark or covered: low)
 *   contrast   standard deviation of luma (covered: near 0)
 *   sharpness  variance of the Laplacian divided by the variance of the
 *              image: free of gain and exposure, falls when the lens is
 *              defocused or smeared
 *
 * A frame's view (RviFrameView) is kept to compare samples: the difference
 * of two views (mean absolute luma difference, 0..255; near 0 for a frozen
 * picture) and their similarity (normalized cross-correlation of their edge
 * maps, -1..1; low when the camera was re-aimed, and little affected by a
 * change of light or the day/night infrared switch, which keep edges where
 * they are). Pure functions, no allocation. */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

#define RVI_FRAME_OSD_TOP (4.5 / 45.0)
#define RVI_FRAME_OSD_BOTTOM (3.0 / 45.0)

/* The analysis image and the edge map. */
#define RVI_FRAME_VIEW_W 256
#define RVI_FRAME_VIEW_H 128
#define RVI_FRAME_EDGES_W 64
#define RVI_FRAME_EDGES_H 32

/* Smallest picture measured (smaller ones are refused). */
#define RVI_FRAME_MIN_W 64
#define RVI_FRAME_MIN_H 64

typedef struct {
  double luma;
  double contrast;
  double sharpness;
} RviFrameMetrics;

typedef struct {
  guint8 pixels[RVI_FRAME_VIEW_W * RVI_FRAME_VIEW_H];
  float edges[RVI_FRAME_EDGES_W * RVI_FRAME_EDGES_H];  /* zero mean, unit variance; all 0
                                                        * for a flat picture */
} RviFrameView;

/* Measures the luma plane @luma (@width x @height, rows @stride bytes
 * apart) into @metrics and @view. Returns FALSE (and leaves both alone)
 * when the picture is smaller than RVI_FRAME_MIN_W x RVI_FRAME_MIN_H. */
gboolean rvi_frame_metrics_measure (const guint8 *luma, guint width, guint height, gsize stride,
                                    RviFrameMetrics *metrics, RviFrameView *view);

/* Mean absolute difference of the two views' pixels, 0..255. */
double rvi_frame_view_difference (const RviFrameView *a, const RviFrameView *b);

/* Normalized cross-correlation of the two views' edge maps, -1..1; 0 when
 * either picture is flat (no edges to compare). */
double rvi_frame_view_similarity (const RviFrameView *a, const RviFrameView *b);

G_END_DECLS
