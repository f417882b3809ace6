/* camsim.c: placeholder until the simulator lands. */
#include <glib.h>
#include "camsim.h"

int
rvi_camsim_main (int argc, char **argv)
{
  g_printerr ("rvi camsim: not built yet\n");
  return 2;
}
