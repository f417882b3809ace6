/* api-evidence.h: GET /api/evidence/public-key, the key that signs
 * evidence packages (docs/evidence.md). */
#pragma once

#include "http-request.h"

G_BEGIN_DECLS

void rvi_api_evidence_public_key (RviRequest *req);

G_END_DECLS
