/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "tn-event.h"

#include <glib/gi18n.h>
#include <inttypes.h>

#include <string.h>

#include "tn-error.h"
#include "tn-fiscal.h"
#include "tn-money.h"

/* Payload schemas ------------------------------------------------------- */

typedef enum
{
  F_STRING,      /* non-empty UTF-8, ≤ 1024 bytes */
  F_TEXT,        /* possibly empty, ≤ 4096 bytes */
  F_UUID,
  F_HASH,        /* 64 lowercase hex, or "" for the first document */
  F_MONEY,       /* integer minor units, any sign */
  F_MONEY_POS,   /* integer minor units > 0 */
  F_MONEY_NONNEG,
  F_QTY,         /* integer thousandths ≠ 0 */
  F_QTY_POS,
  F_INT,         /* integer in [min, max] */
  F_BOOL,
  F_OBJECT,      /* object with @items as its schema */
  F_ARRAY,       /* array of objects with @items as their schema */
  F_STRING_ARRAY,
  F_MAP_MONEY,   /* object of name → integer minor units */
} FieldKind;

typedef struct _FieldSpec FieldSpec;
struct _FieldSpec
{
  const char      *name;
  FieldKind        kind;
  gboolean         required;
  gint64           min;
  gint64           max;
  const FieldSpec *items;
};

#define REQ(n, k)            { n, k, TRUE, 0, 0, NULL }
#define OPT(n, k)            { n, k, FALSE, 0, 0, NULL }
#define REQ_INT(n, lo, hi)   { n, F_INT, TRUE, lo, hi, NULL }
#define OPT_INT(n, lo, hi)   { n, F_INT, FALSE, lo, hi, NULL }
#define REQ_SUB(n, k, s)     { n, k, TRUE, 0, 0, s }
#define OPT_SUB(n, k, s)     { n, k, FALSE, 0, 0, s }
#define END                  { NULL, 0, FALSE, 0, 0, NULL }

static const FieldSpec fiscal_spec[] = {
  REQ ("series", F_STRING),
  REQ_INT ("number", 1, G_MAXINT64),
  REQ ("doc", F_STRING),
  REQ ("prev_hash", F_HASH),
  REQ_INT ("chain_seq", 1, G_MAXINT64),
  END
};

static const FieldSpec sale_line_spec[] = {
  REQ ("sku", F_STRING),
  REQ ("name", F_TEXT),
  REQ ("qty", F_QTY),
  REQ ("unit_price", F_MONEY_NONNEG),
  REQ_INT ("tax_bp", 0, 10000),
  REQ ("net", F_MONEY),
  REQ ("tax", F_MONEY),
  REQ ("total", F_MONEY),
  END
};

static const FieldSpec payment_spec[] = {
  REQ ("method", F_STRING),
  REQ ("currency", F_STRING),
  REQ ("amount", F_MONEY_POS),
  REQ ("amount_base", F_MONEY_POS),
  END
};

static const FieldSpec second_currency_spec[] = {
  REQ ("currency", F_STRING),
  REQ_INT ("rate_micro", 1, G_MAXINT64),
  REQ_INT ("decimals", 0, 4),
  REQ ("total", F_MONEY),
  END
};

static const FieldSpec sale_created_spec[] = {
  REQ ("sale_id", F_UUID),
  REQ ("terminal", F_STRING),
  OPT ("cashier", F_STRING),
  OPT ("session_id", F_UUID),
  OPT ("customer_id", F_STRING),
  REQ ("currency", F_STRING),
  REQ ("tax_inclusive", F_BOOL),
  REQ_SUB ("lines", F_ARRAY, sale_line_spec),
  REQ ("subtotal", F_MONEY),
  REQ ("tax", F_MONEY),
  REQ ("total", F_MONEY),
  REQ_SUB ("payments", F_ARRAY, payment_spec),
  REQ ("change", F_MONEY_NONNEG),
  OPT_SUB ("second", F_OBJECT, second_currency_spec),
  OPT ("oversold", F_STRING_ARRAY),
  REQ_SUB ("fiscal", F_OBJECT, fiscal_spec),
  END
};

static const FieldSpec sale_voided_spec[] = {
  REQ ("sale_id", F_UUID),
  REQ ("terminal", F_STRING),
  REQ ("reason", F_STRING),
  OPT ("manager", F_STRING),
  REQ_SUB ("fiscal", F_OBJECT, fiscal_spec),
  END
};

static const FieldSpec stock_adjusted_spec[] = {
  REQ ("sku", F_STRING),
  REQ ("delta", F_QTY),
  REQ ("reason", F_STRING),
  OPT ("employee", F_STRING),
  END
};

static const FieldSpec stock_received_spec[] = {
  REQ ("sku", F_STRING),
  REQ ("qty", F_QTY_POS),
  OPT ("reason", F_TEXT),
  OPT ("cost", F_MONEY_NONNEG),
  OPT ("employee", F_STRING),
  END
};

static const FieldSpec product_created_spec[] = {
  REQ ("sku", F_STRING),
  REQ ("name", F_STRING),
  REQ ("price", F_MONEY_NONNEG),
  REQ_INT ("tax_bp", 0, 10000),
  OPT ("barcode", F_TEXT),
  OPT ("active", F_BOOL),
  END
};

static const FieldSpec product_updated_spec[] = {
  REQ ("sku", F_STRING),
  OPT ("name", F_STRING),
  OPT ("price", F_MONEY_NONNEG),
  OPT ("by", F_STRING),        /* employee id of who changed the price */
  OPT_INT ("tax_bp", 0, 10000),
  OPT ("barcode", F_TEXT),
  OPT ("active", F_BOOL),
  END
};

static const FieldSpec customer_upserted_spec[] = {
  REQ ("customer_id", F_STRING),
  OPT ("name", F_STRING),
  OPT ("phone", F_TEXT),
  OPT ("tax_id", F_TEXT),
  OPT ("email", F_TEXT),
  END
};

static const FieldSpec debt_charged_spec[] = {
  REQ ("customer_id", F_STRING),
  REQ ("amount", F_MONEY_POS),
  OPT ("sale_id", F_UUID),
  OPT ("note", F_TEXT),
  END
};

static const FieldSpec debt_paid_spec[] = {
  REQ ("customer_id", F_STRING),
  REQ ("amount", F_MONEY_POS),
  REQ ("method", F_STRING),
  END
};

static const FieldSpec cash_session_opened_spec[] = {
  REQ ("session_id", F_UUID),
  REQ ("terminal", F_STRING),
  REQ ("float", F_MONEY_NONNEG),
  OPT ("cashier", F_STRING),
  END
};

static const FieldSpec cash_moved_spec[] = {
  REQ ("session_id", F_UUID),
  REQ ("kind", F_STRING),
  REQ ("amount", F_MONEY_POS),
  REQ ("reason", F_STRING),
  END
};

static const FieldSpec cash_session_closed_spec[] = {
  REQ ("session_id", F_UUID),
  REQ ("terminal", F_STRING),
  REQ ("counted", F_MONEY_NONNEG),
  REQ ("expected", F_MONEY),
  REQ ("variance", F_MONEY),
  REQ ("blind", F_BOOL),
  REQ_INT ("sales_count", 0, G_MAXINT64),
  REQ ("totals", F_MAP_MONEY),
  REQ_SUB ("fiscal", F_OBJECT, fiscal_spec),
  END
};

static const FieldSpec fiscal_block_granted_spec[] = {
  REQ ("device", F_UUID),
  REQ ("terminal", F_STRING),
  REQ_INT ("first", 1, G_MAXINT32),
  REQ_INT ("count", 1, TN_FISCAL_MAX_BLOCK),
  END
};

static const FieldSpec conflict_resolved_spec[] = {
  REQ ("sku", F_STRING),
  REQ ("field", F_STRING),
  REQ ("value", F_MONEY_NONNEG),
  REQ ("candidates", F_STRING_ARRAY),
  OPT ("manager", F_STRING),
  END
};

static const FieldSpec exchange_rate_set_spec[] = {
  REQ ("currency", F_STRING),
  REQ_INT ("rate_micro", 1, G_MAXINT64),
  REQ_INT ("decimals", 0, 4),
  END
};

static const FieldSpec employee_upserted_spec[] = {
  REQ ("employee_id", F_STRING),
  OPT ("name", F_STRING),
  OPT ("role", F_STRING),
  OPT ("pin_hash", F_STRING),
  OPT ("active", F_BOOL),
  END
};

static const struct
{
  const char      *name;
  const FieldSpec *schema;
} event_types[TN_EVENT_N_TYPES] = {
  [TN_EVENT_SALE_CREATED] = { "SaleCreated", sale_created_spec },
  [TN_EVENT_SALE_VOIDED] = { "SaleVoided", sale_voided_spec },
  [TN_EVENT_STOCK_ADJUSTED] = { "StockAdjusted", stock_adjusted_spec },
  [TN_EVENT_STOCK_RECEIVED] = { "StockReceived", stock_received_spec },
  [TN_EVENT_PRODUCT_CREATED] = { "ProductCreated", product_created_spec },
  [TN_EVENT_PRODUCT_UPDATED] = { "ProductUpdated", product_updated_spec },
  [TN_EVENT_CUSTOMER_UPSERTED] = { "CustomerUpserted", customer_upserted_spec },
  [TN_EVENT_DEBT_CHARGED] = { "DebtCharged", debt_charged_spec },
  [TN_EVENT_DEBT_PAID] = { "DebtPaid", debt_paid_spec },
  [TN_EVENT_CASH_SESSION_OPENED] = { "CashSessionOpened", cash_session_opened_spec },
  [TN_EVENT_CASH_MOVED] = { "CashMoved", cash_moved_spec },
  [TN_EVENT_CASH_SESSION_CLOSED] = { "CashSessionClosed", cash_session_closed_spec },
  [TN_EVENT_FISCAL_BLOCK_GRANTED] = { "FiscalBlockGranted", fiscal_block_granted_spec },
  [TN_EVENT_CONFLICT_RESOLVED] = { "ConflictResolved", conflict_resolved_spec },
  [TN_EVENT_EXCHANGE_RATE_SET] = { "ExchangeRateSet", exchange_rate_set_spec },
  [TN_EVENT_EMPLOYEE_UPSERTED] = { "EmployeeUpserted", employee_upserted_spec },
};

const char *
tn_event_type_to_string (TnEventType type)
{
  g_return_val_if_fail (type < TN_EVENT_N_TYPES, NULL);
  return event_types[type].name;
}

gboolean
tn_event_type_from_string (const char  *name,
                           TnEventType *out)
{
  for (guint i = 0; i < TN_EVENT_N_TYPES; i++)
    if (g_strcmp0 (event_types[i].name, name) == 0)
      {
        *out = i;
        return TRUE;
      }
  return FALSE;
}

/* Validation ----------------------------------------------------------- */

/* Where a field sits, for error messages ("SaleCreated: lines[2]: "):
 * a chain on the stack, turned into text only when a message needs it. */
typedef struct _Where Where;
struct _Where
{
  const Where *parent;
  const char  *name;    /* the event type, or a member name */
  guint        item;    /* 1-based array item, or 0 */
};

static void
free_string (gpointer data)
{
  g_string_free (data, TRUE);
}

/* The text of @where, valid until the next call on this thread. */
static const char *
where_text (const Where *where)
{
  static GPrivate buffer = G_PRIVATE_INIT (free_string);
  GString *out = g_private_get (&buffer);
  const Where *chain[16];
  guint n = 0;

  if (out == NULL)
    {
      out = g_string_new (NULL);
      g_private_set (&buffer, out);
    }
  g_string_truncate (out, 0);
  for (; where != NULL && n < G_N_ELEMENTS (chain); where = where->parent)
    chain[n++] = where;
  while (n-- > 0)
    {
      g_string_append (out, chain[n]->name);
      if (chain[n]->item > 0)
        g_string_append_printf (out, "[%u]", chain[n]->item);
      g_string_append (out, ": ");
    }
  return out->str;
}

static gboolean validate_object (const TnJsonValue  *object,
                                 const FieldSpec    *schema,
                                 const Where        *where,
                                 GError            **error);

static gboolean
is_lower_hex (const char *s,
              gsize       len)
{
  if (strlen (s) != len)
    return FALSE;
  for (gsize i = 0; i < len; i++)
    if (!g_ascii_isxdigit (s[i]) || g_ascii_isupper (s[i]))
      return FALSE;
  return TRUE;
}

static gboolean
require_integer (const TnJsonValue  *node,
                 const FieldSpec    *spec,
                 const Where        *where,
                 gint64             *out,
                 GError            **error)
{
  if (node->kind == TN_JSON_DOUBLE)
    {
      gboolean money = spec->kind >= F_MONEY && spec->kind <= F_MONEY_NONNEG;
      gboolean qty = spec->kind == F_QTY || spec->kind == F_QTY_POS;

      if (money)
        g_set_error (error, TN_ERROR, TN_ERROR_NOT_INTEGER,
                     _("%s“%s” is %g, a fraction: amounts of money must be whole numbers of "
                       "minor units (150 for 1.50)"),
                     where_text (where), spec->name, node->number);
      else if (qty)
        g_set_error (error, TN_ERROR, TN_ERROR_NOT_INTEGER,
                     _("%s“%s” is %g, a fraction: quantities must be whole numbers of "
                       "thousandths (1500 for 1.5)"),
                     where_text (where), spec->name, node->number);
      else
        g_set_error (error, TN_ERROR, TN_ERROR_NOT_INTEGER,
                     _("%s“%s” is %g, a fraction: it must be a whole number"),
                     where_text (where), spec->name, node->number);
      return FALSE;
    }
  if (node->kind != TN_JSON_INT)
    {
      g_set_error (error, TN_ERROR, TN_ERROR_INVALID,
                   _("%s“%s” must be an integer"), where_text (where), spec->name);
      return FALSE;
    }
  *out = node->integer;
  return TRUE;
}

static gboolean
validate_field (const TnJsonValue  *node,
                const FieldSpec    *spec,
                const Where        *where,
                GError            **error)
{
  gint64 n = 0;

  switch (spec->kind)
    {
    case F_STRING:
    case F_TEXT:
    case F_UUID:
    case F_HASH:
      {
        const char *s;
        gsize len;

        if (node->kind != TN_JSON_STRING)
          {
            g_set_error (error, TN_ERROR, TN_ERROR_INVALID,
                         _("%s“%s” must be a string"), where_text (where), spec->name);
            return FALSE;
          }
        s = node->string;
        len = node->length;
        if (spec->kind == F_STRING && (len == 0 || len > 1024))
          {
            g_set_error (error, TN_ERROR, TN_ERROR_INVALID,
                         _("%s“%s” must be between 1 and 1024 bytes long"), where_text (where), spec->name);
            return FALSE;
          }
        if (spec->kind == F_TEXT && len > 4096)
          {
            g_set_error (error, TN_ERROR, TN_ERROR_INVALID,
                         _("%s“%s” is longer than 4096 bytes"), where_text (where), spec->name);
            return FALSE;
          }
        if (spec->kind == F_UUID && !tn_is_uuid (s))
          {
            g_set_error (error, TN_ERROR, TN_ERROR_INVALID,
                         _("%s“%s” must be a lowercase UUID, not “%s”"), where_text (where), spec->name, s);
            return FALSE;
          }
        if (spec->kind == F_HASH && len != 0 && !is_lower_hex (s, 64))
          {
            g_set_error (error, TN_ERROR, TN_ERROR_INVALID,
                         _("%s“%s” must be a SHA-256 in lowercase hex"), where_text (where), spec->name);
            return FALSE;
          }
        return TRUE;
      }

    case F_MONEY:
    case F_MONEY_POS:
    case F_MONEY_NONNEG:
    case F_QTY:
    case F_QTY_POS:
    case F_INT:
      if (!require_integer (node, spec, where, &n, error))
        return FALSE;
      if ((spec->kind == F_MONEY_POS || spec->kind == F_QTY_POS) && n <= 0)
        {
          g_set_error (error, TN_ERROR, TN_ERROR_INVALID,
                       _("%s“%s” must be greater than zero"), where_text (where), spec->name);
          return FALSE;
        }
      if (spec->kind == F_MONEY_NONNEG && n < 0)
        {
          g_set_error (error, TN_ERROR, TN_ERROR_INVALID,
                       _("%s“%s” must not be negative"), where_text (where), spec->name);
          return FALSE;
        }
      if (spec->kind == F_QTY && n == 0)
        {
          g_set_error (error, TN_ERROR, TN_ERROR_INVALID,
                       _("%s“%s” must not be zero"), where_text (where), spec->name);
          return FALSE;
        }
      /* Keep every amount far from overflow when summed. */
      if (n > TN_AMOUNT_MAX || n < -TN_AMOUNT_MAX)
        {
          g_set_error (error, TN_ERROR, TN_ERROR_TOO_LARGE,
                       _("%s“%s” is out of range"), where_text (where), spec->name);
          return FALSE;
        }
      if (spec->kind == F_INT && (n < spec->min || n > spec->max))
        {
          g_set_error (error, TN_ERROR, TN_ERROR_INVALID,
                       _("%s“%s” must be between %" PRId64 " and %" PRId64),
                       where_text (where), spec->name, spec->min, spec->max);
          return FALSE;
        }
      return TRUE;

    case F_BOOL:
      if (node->kind != TN_JSON_BOOLEAN)
        {
          g_set_error (error, TN_ERROR, TN_ERROR_INVALID,
                       _("%s“%s” must be true or false"), where_text (where), spec->name);
          return FALSE;
        }
      return TRUE;

    case F_OBJECT:
      if (node->kind != TN_JSON_OBJECT)
        {
          g_set_error (error, TN_ERROR, TN_ERROR_INVALID,
                       _("%s“%s” must be an object"), where_text (where), spec->name);
          return FALSE;
        }
      {
        Where inner = { where, spec->name, 0 };
        return validate_object (node, spec->items, &inner, error);
      }

    case F_ARRAY:
    case F_STRING_ARRAY:
      {
        guint i = 0;

        if (node->kind != TN_JSON_ARRAY)
          {
            g_set_error (error, TN_ERROR, TN_ERROR_INVALID,
                         _("%s“%s” must be an array"), where_text (where), spec->name);
            return FALSE;
          }
        if (node->length > 10000)
          {
            g_set_error (error, TN_ERROR, TN_ERROR_TOO_LARGE,
                         _("%s“%s” has more than 10000 items"), where_text (where), spec->name);
            return FALSE;
          }
        tn_json_value_foreach (item, node)
          {
            if (spec->kind == F_STRING_ARRAY)
              {
                if (item->kind != TN_JSON_STRING)
                  {
                    g_set_error (error, TN_ERROR, TN_ERROR_INVALID,
                                 _("%s“%s” item %u must be a string"), where_text (where), spec->name, i + 1);
                    return FALSE;
                  }
              }
            else
              {
                Where inner = { where, spec->name, i + 1 };

                if (item->kind != TN_JSON_OBJECT)
                  {
                    g_set_error (error, TN_ERROR, TN_ERROR_INVALID,
                                 _("%s“%s” item %u must be an object"), where_text (where), spec->name, i + 1);
                    return FALSE;
                  }
                if (!validate_object (item, spec->items, &inner, error))
                  return FALSE;
              }
            i++;
          }
        return TRUE;
      }

    case F_MAP_MONEY:
      {
        FieldSpec money = { NULL, F_MONEY, TRUE, 0, 0, NULL };

        if (node->kind != TN_JSON_OBJECT)
          {
            g_set_error (error, TN_ERROR, TN_ERROR_INVALID,
                         _("%s“%s” must be an object"), where_text (where), spec->name);
            return FALSE;
          }
        tn_json_value_foreach (value, node)
          {
            money.name = value->name;
            if (!validate_field (value, &money, where, error))
              return FALSE;
          }
        return TRUE;
      }
    }
  g_assert_not_reached ();
}

static gboolean
validate_object (const TnJsonValue  *object,
                 const FieldSpec    *schema,
                 const Where        *where,
                 GError            **error)
{
  for (const FieldSpec *spec = schema; spec->name != NULL; spec++)
    {
      const TnJsonValue *node = tn_json_value_member (object, spec->name);

      if (node != NULL && node->kind == TN_JSON_NULL)
        {
          /* Projections read a present member as a value: null would
           * silently become 0, "" or FALSE. */
          g_set_error (error, TN_ERROR, TN_ERROR_INVALID,
                       _("%s“%s” must not be null; leave the field out instead"),
                       where_text (where), spec->name);
          return FALSE;
        }
      if (node == NULL)
        {
          if (!spec->required)
            continue;
          g_set_error (error, TN_ERROR, TN_ERROR_MISSING_FIELD,
                       _("%sthe required field “%s” is missing"), where_text (where), spec->name);
          return FALSE;
        }
      if (!validate_field (node, spec, where, error))
        return FALSE;
    }
  return TRUE;
}

/* Cross-field rules the schema cannot express.  They keep a lane from
 * accepting a sale whose totals do not add up. */
static gboolean
validate_sale_totals (const TnJsonValue  *payload,
                      GError            **error)
{
  const TnJsonValue *lines = tn_json_value_get_array (payload, "lines");
  const TnJsonValue *payments = tn_json_value_get_array (payload, "payments");
  gint64 net = 0, tax = 0, paid = 0;
  guint i = 0;

  if (lines->length == 0)
    {
      g_set_error (error, TN_ERROR, TN_ERROR_INVALID, _("A sale needs at least one line"));
      return FALSE;
    }
  tn_json_value_foreach (line, lines)
    {
      gint64 line_net = tn_json_value_get_int (line, "net", 0);
      gint64 line_tax = tn_json_value_get_int (line, "tax", 0);

      i++;
      if (line_net + line_tax != tn_json_value_get_int (line, "total", 0))
        {
          g_set_error (error, TN_ERROR, TN_ERROR_INVALID,
                       _("Sale line %u: net + tax does not equal its total"), i);
          return FALSE;
        }
      net += line_net;
      tax += line_tax;
    }
  if (net != tn_json_value_get_int (payload, "subtotal", 0) ||
      tax != tn_json_value_get_int (payload, "tax", 0) ||
      net + tax != tn_json_value_get_int (payload, "total", 0))
    {
      g_set_error (error, TN_ERROR, TN_ERROR_INVALID,
                   _("The sale’s subtotal, tax and total do not match its lines"));
      return FALSE;
    }
  tn_json_value_foreach (payment, payments)
    paid += tn_json_value_get_int (payment, "amount_base", 0);
  if (payments->length > 0 &&
      paid - tn_json_value_get_int (payload, "change", 0) != net + tax)
    {
      g_set_error (error, TN_ERROR, TN_ERROR_INVALID,
                   _("The sale’s payments minus change do not equal its total"));
      return FALSE;
    }
  return TRUE;
}

gboolean
tn_event_validate_payload (TnEventType         type,
                           const TnJsonValue  *payload,
                           GError            **error)
{
  if (type >= TN_EVENT_N_TYPES)
    {
      g_set_error (error, TN_ERROR, TN_ERROR_UNKNOWN_TYPE, _("Unknown event type %d"), type);
      return FALSE;
    }
  if (payload == NULL || payload->kind != TN_JSON_OBJECT)
    {
      g_set_error (error, TN_ERROR, TN_ERROR_INVALID,
                   _("The payload of a %s event must be a JSON object"),
                   event_types[type].name);
      return FALSE;
    }
  {
    Where where = { NULL, event_types[type].name, 0 };

    if (!validate_object (payload, event_types[type].schema, &where, error))
      return FALSE;
  }
  if (type == TN_EVENT_SALE_CREATED)
    return validate_sale_totals (payload, error);
  if (type == TN_EVENT_PRODUCT_UPDATED && payload->length < 2)
    {
      g_set_error (error, TN_ERROR, TN_ERROR_INVALID,
                   _("ProductUpdated: the event changes no field"));
      return FALSE;
    }
  return TRUE;
}
