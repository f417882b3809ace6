/* frame-metrics.c: luma statistics, sharpness and views of a key frame.
 *
 * DESIGN. The picture between the OSD bands is area-averaged to
 * RVI_FRAME_VIEW_W x RVI_FRAME_VIEW_H: every analysis pixel is the mean of
 * its source box (boxes of unequal size when the ratio is not whole, so
 * each source pixel counts once; a picture with fewer rows or columns
 * than the view repeats them). Statistics, the Laplacian and the edge
 * map are computed on that small image; a 1080p frame costs about one pass
 * over its luma plane. The edge map is the Sobel magnitude of the
 * analysis image area-averaged again to RVI_FRAME_EDGES_W x
 * RVI_FRAME_EDGES_H, standardized. */
#include "frame-metrics.h"

#include <math.h>
#include <stdlib.h>

#define VIEW_N (RVI_FRAME_VIEW_W * RVI_FRAME_VIEW_H)
#define EDGES_N (RVI_FRAME_EDGES_W * RVI_FRAME_EDGES_H)

/* Area-averages rows [@top, @bottom) of the plane into view->pixels. The
 * columns' boxes are worked out once per picture, not per pixel (the
 * divisions cost more than the reads). */
static void
downscale (const guint8 *luma, guint width, gsize stride, guint top, guint bottom,
           RviFrameView *view)
{
  guint rows = bottom - top;
  guint16 x0[RVI_FRAME_VIEW_W], x1[RVI_FRAME_VIEW_W], xn[RVI_FRAME_VIEW_W];
  guint8 sx[RVI_FRAME_VIEW_W];

  for (guint ox = 0; ox < RVI_FRAME_VIEW_W; ox++) {
    x0[ox] = (guint16) (ox * width / RVI_FRAME_VIEW_W);
    x1[ox] = (guint16) MAX ((ox + 1) * width / RVI_FRAME_VIEW_W, x0[ox] + 1u);
    /* boxes of 4 or more a side are averaged over every other row and
     * column: a quarter of the reads, the same mean within noise */
    sx[ox] = x1[ox] - x0[ox] >= 4 ? 2 : 1;
    xn[ox] = (guint16) ((x1[ox] - x0[ox] + sx[ox] - 1u) / sx[ox]);
  }
  for (guint oy = 0; oy < RVI_FRAME_VIEW_H; oy++) {
    guint y0 = top + oy * rows / RVI_FRAME_VIEW_H;
    guint y1 = MAX (top + (oy + 1) * rows / RVI_FRAME_VIEW_H, y0 + 1);  /* a small picture's
                                                                         * rows repeat */
    guint sy = y1 - y0 >= 4 ? 2 : 1;
    guint yn = (y1 - y0 + sy - 1) / sy;

    for (guint ox = 0; ox < RVI_FRAME_VIEW_W; ox++) {
      guint sum = 0, n = yn * xn[ox];

      for (guint y = y0; y < y1; y += sy) {
        const guint8 *row = luma + (gsize) y * stride;
        for (guint x = x0[ox]; x < x1[ox]; x += sx[ox])
          sum += row[x];
      }
      view->pixels[oy * RVI_FRAME_VIEW_W + ox] = (guint8) ((sum + n / 2) / n);
    }
  }
}

/* The variance of the 4-neighbour Laplacian over the inner pixels. */
static double
laplacian_variance (const guint8 *p)
{
  double sum = 0, sum2 = 0;
  guint n = 0;

  for (guint y = 1; y + 1 < RVI_FRAME_VIEW_H; y++)
    for (guint x = 1; x + 1 < RVI_FRAME_VIEW_W; x++) {
      const guint8 *c = p + y * RVI_FRAME_VIEW_W + x;
      double l = 4.0 * c[0] - c[-1] - c[1] - c[-RVI_FRAME_VIEW_W] - c[RVI_FRAME_VIEW_W];
      sum += l;
      sum2 += l * l;
      n++;
    }
  return sum2 / n - (sum / n) * (sum / n);
}

/* The edge map: the analysis image area-averaged to the map's size, then
 * its Sobel magnitudes, standardized. Edges at this coarse scale survive
 * a defocused lens (the blur is a fraction of a cell) and noise, and move
 * when the camera is re-aimed. */
static void
edge_map (const guint8 *p, float *edges)
{
  guint bw = RVI_FRAME_VIEW_W / RVI_FRAME_EDGES_W;
  guint bh = RVI_FRAME_VIEW_H / RVI_FRAME_EDGES_H;
  float coarse[EDGES_N];
  double sum = 0, sum2 = 0;

  for (guint ey = 0; ey < RVI_FRAME_EDGES_H; ey++)
    for (guint ex = 0; ex < RVI_FRAME_EDGES_W; ex++) {
      guint acc = 0;
      for (guint y = ey * bh; y < (ey + 1) * bh; y++)
        for (guint x = ex * bw; x < (ex + 1) * bw; x++)
          acc += p[y * RVI_FRAME_VIEW_W + x];
      coarse[ey * RVI_FRAME_EDGES_W + ex] = (float) acc / (float) (bw * bh);
    }
  for (guint y = 0; y < RVI_FRAME_EDGES_H; y++)
    for (guint x = 0; x < RVI_FRAME_EDGES_W; x++) {
      guint xl = x ? x - 1 : x, xr = x + 1 < RVI_FRAME_EDGES_W ? x + 1 : x;
      guint yu = y ? y - 1 : y, yd = y + 1 < RVI_FRAME_EDGES_H ? y + 1 : y;
      const float *up = coarse + yu * RVI_FRAME_EDGES_W;
      const float *mid = coarse + y * RVI_FRAME_EDGES_W;
      const float *dn = coarse + yd * RVI_FRAME_EDGES_W;
      double gx = (up[xr] + 2.0 * mid[xr] + dn[xr]) - (up[xl] + 2.0 * mid[xl] + dn[xl]);
      double gy = (dn[xl] + 2.0 * dn[x] + dn[xr]) - (up[xl] + 2.0 * up[x] + up[xr]);
      double g = sqrt (gx * gx + gy * gy);

      edges[y * RVI_FRAME_EDGES_W + x] = (float) g;
      sum += g;
      sum2 += g * g;
    }
  {
    double mean = sum / EDGES_N;
    double var = sum2 / EDGES_N - mean * mean;
    double sd = var > 1e-9 ? sqrt (var) : 0;

    for (guint i = 0; i < EDGES_N; i++)
      edges[i] = sd > 0 ? (float) ((edges[i] - mean) / sd) : 0.0f;
  }
}

gboolean
rvi_frame_metrics_measure (const guint8 *luma, guint width, guint height, gsize stride,
                           RviFrameMetrics *metrics, RviFrameView *view)
{
  guint top = (guint) (height * RVI_FRAME_OSD_TOP + 0.5);
  guint bottom = height - (guint) (height * RVI_FRAME_OSD_BOTTOM + 0.5);
  double sum = 0, sum2 = 0, var;

  if (width < RVI_FRAME_MIN_W || height < RVI_FRAME_MIN_H || bottom - top < RVI_FRAME_VIEW_H / 4)
    return FALSE;
  downscale (luma, width, stride, top, bottom, view);
  for (guint i = 0; i < VIEW_N; i++) {
    sum += view->pixels[i];
    sum2 += (double) view->pixels[i] * view->pixels[i];
  }
  metrics->luma = sum / VIEW_N;
  var = sum2 / VIEW_N - metrics->luma * metrics->luma;
  metrics->contrast = var > 0 ? sqrt (var) : 0;
  /* a flat picture has no sharpness to speak of */
  metrics->sharpness = var > 1.0 ? laplacian_variance (view->pixels) / var : 0;
  edge_map (view->pixels, view->edges);
  return TRUE;
}

double
rvi_frame_view_difference (const RviFrameView *a, const RviFrameView *b)
{
  guint64 sum = 0;

  for (guint i = 0; i < VIEW_N; i++)
    sum += (guint) abs ((int) a->pixels[i] - (int) b->pixels[i]);
  return (double) sum / VIEW_N;
}

double
rvi_frame_view_similarity (const RviFrameView *a, const RviFrameView *b)
{
  double ab = 0, aa = 0, bb = 0;

  /* the maps are standardized already; the norms keep a blended
   * reference (tamper-detect.c) honest */
  for (guint i = 0; i < EDGES_N; i++) {
    ab += (double) a->edges[i] * b->edges[i];
    aa += (double) a->edges[i] * a->edges[i];
    bb += (double) b->edges[i] * b->edges[i];
  }
  return aa > 0 && bb > 0 ? ab / sqrt (aa * bb) : 0;
}
