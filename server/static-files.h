/* static-files.h: RviStaticFiles, the browser UI served from web_dir. */
#pragma once

#include "http-request.h"

G_BEGIN_DECLS

RviStaticFiles *rvi_static_files_new (const char *web_dir);
void rvi_static_files_free (RviStaticFiles *files);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (RviStaticFiles, rvi_static_files_free)

/* Answers GET/HEAD of a UI path on @msg: "/" is index.html; a path with
 * ".." or hidden segments, or a file outside web_dir, is 404. Returns the
 * status written. */
guint rvi_static_files_serve (RviStaticFiles *files, SoupServerMessage *msg, const char *path);

G_END_DECLS
