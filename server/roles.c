/* roles.c: role names and RviUser. */
#include "roles.h"

static const struct {
  RviRole role;
  const char *name;
} role_names[] = {
  { RVI_ROLE_INSPECTOR, "inspector" },
  { RVI_ROLE_OPERATOR, "operator" },
  { RVI_ROLE_AUDITOR, "auditor" },
  { RVI_ROLE_ADMIN, "admin" },
};

RviRole
rvi_role_from_string (const char *name)
{
  for (gsize i = 0; name && i < G_N_ELEMENTS (role_names); i++)
    if (g_str_equal (role_names[i].name, name))
      return role_names[i].role;
  return 0;
}

const char *
rvi_role_to_string (RviRole role)
{
  for (gsize i = 0; i < G_N_ELEMENTS (role_names); i++)
    if (role_names[i].role == role)
      return role_names[i].name;
  return NULL;
}

void
rvi_user_free (RviUser *user)
{
  if (!user)
    return;
  g_free (user->id);
  g_free (user->username);
  g_free (user->display_name);
  g_free (user);
}

RviUser *
rvi_user_copy (const RviUser *user)
{
  RviUser *copy = g_new0 (RviUser, 1);

  copy->id = g_strdup (user->id);
  copy->username = g_strdup (user->username);
  copy->display_name = g_strdup (user->display_name);
  copy->role = user->role;
  return copy;
}
