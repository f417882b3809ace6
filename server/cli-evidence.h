/* cli-evidence.h: `rvi evidence verify|public-key` (docs/evidence.md). */
#pragma once

int rvi_cli_evidence (int argc, char **argv);
