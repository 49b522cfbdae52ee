/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "config.h"

#include "tn-history-item.h"

#include <string.h>

struct _TnHistoryItem
{
  GObject   parent_instance;

  char     *sale_id;
  char     *time;
  char     *fiscal_doc;
  char     *cashier;
  char     *total;
  gboolean  voided;
  char     *haystack;   /* case-folded text a search looks in */
};

G_DEFINE_FINAL_TYPE (TnHistoryItem, tn_history_item, G_TYPE_OBJECT)

enum {
  PROP_0,
  PROP_VOIDED,
  N_PROPS
};

static GParamSpec *properties[N_PROPS];

static void
tn_history_item_get_property (GObject    *object,
                              guint       prop_id,
                              GValue     *value,
                              GParamSpec *pspec)
{
  TnHistoryItem *self = TN_HISTORY_ITEM (object);

  switch (prop_id)
    {
    case PROP_VOIDED:
      g_value_set_boolean (value, self->voided);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
tn_history_item_finalize (GObject *object)
{
  TnHistoryItem *self = TN_HISTORY_ITEM (object);

  g_free (self->sale_id);
  g_free (self->time);
  g_free (self->fiscal_doc);
  g_free (self->cashier);
  g_free (self->total);
  g_free (self->haystack);
  G_OBJECT_CLASS (tn_history_item_parent_class)->finalize (object);
}

static void
tn_history_item_class_init (TnHistoryItemClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->finalize = tn_history_item_finalize;
  object_class->get_property = tn_history_item_get_property;

  /* A sale is voided while its row is on screen: the row follows. */
  properties[PROP_VOIDED] =
    g_param_spec_boolean ("voided", NULL, NULL, FALSE,
                          G_PARAM_READABLE | G_PARAM_STATIC_STRINGS | G_PARAM_EXPLICIT_NOTIFY);
  g_object_class_install_properties (object_class, N_PROPS, properties);
}

static void
tn_history_item_init (TnHistoryItem *self)
{
}

TnHistoryItem *
tn_history_item_new (const char *sale_id,
                     const char *time,
                     const char *fiscal_doc,
                     const char *cashier,
                     const char *total,
                     gboolean    voided)
{
  TnHistoryItem *self = g_object_new (TN_TYPE_HISTORY_ITEM, NULL);
  g_autofree char *text = NULL;

  self->sale_id = g_strdup (sale_id);
  self->time = g_strdup (time);
  self->fiscal_doc = g_strdup (fiscal_doc);
  self->cashier = g_strdup (cashier != NULL ? cashier : "—");
  self->total = g_strdup (total);
  self->voided = voided;
  text = g_strjoin (" ", self->fiscal_doc, self->cashier, self->time, self->total, NULL);
  self->haystack = g_utf8_casefold (text, -1);
  return self;
}

const char *
tn_history_item_get_sale_id (TnHistoryItem *self)
{
  return self->sale_id;
}

const char *
tn_history_item_get_time (TnHistoryItem *self)
{
  return self->time;
}

const char *
tn_history_item_get_fiscal_doc (TnHistoryItem *self)
{
  return self->fiscal_doc;
}

const char *
tn_history_item_get_cashier (TnHistoryItem *self)
{
  return self->cashier;
}

const char *
tn_history_item_get_total (TnHistoryItem *self)
{
  return self->total;
}

gboolean
tn_history_item_get_voided (TnHistoryItem *self)
{
  return self->voided;
}

void
tn_history_item_set_voided (TnHistoryItem *self,
                            gboolean       voided)
{
  g_return_if_fail (TN_IS_HISTORY_ITEM (self));

  voided = !!voided;
  if (self->voided == voided)
    return;
  self->voided = voided;
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_VOIDED]);
}

gboolean
tn_history_item_matches (TnHistoryItem *self,
                         const char    *folded_search)
{
  g_auto(GStrv) words = g_strsplit_set (folded_search, " \t", -1);

  for (guint i = 0; words[i] != NULL; i++)
    if (*words[i] != '\0' && strstr (self->haystack, words[i]) == NULL)
      return FALSE;
  return TRUE;
}
