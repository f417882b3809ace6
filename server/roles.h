/* roles.h: the four roles and the role sets routes declare. */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

typedef enum {
  RVI_ROLE_INSPECTOR = 1 << 0,  /* watch, mark, decide */
  RVI_ROLE_OPERATOR = 1 << 1,   /* link and manage cameras, see health */
  RVI_ROLE_AUDITOR = 1 << 2,    /* read everything, replay, export; change nothing */
  RVI_ROLE_ADMIN = 1 << 3,      /* users and settings */
} RviRole;

#define RVI_ROLES_PUBLIC 0u  /* no authentication at all */
#define RVI_ROLES_ANY (RVI_ROLE_INSPECTOR | RVI_ROLE_OPERATOR | RVI_ROLE_AUDITOR | RVI_ROLE_ADMIN)

/* "inspector" -> RVI_ROLE_INSPECTOR; 0 for anything else. */
RviRole rvi_role_from_string (const char *name);
/* The role's name (transfer none), or NULL for a non-role. */
const char *rvi_role_to_string (RviRole role);

/* A user as the server knows it while handling one request. */
typedef struct {
  char *id;
  char *username;
  char *display_name;
  RviRole role;
} RviUser;

void rvi_user_free (RviUser *user);
RviUser *rvi_user_copy (const RviUser *user);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (RviUser, rvi_user_free)

G_END_DECLS
