/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include "tn-store-private.h"

G_BEGIN_DECLS

/* Applies one event to the projection tables (DESIGN §3).  Called in the
 * event's own transaction, for local and remote events alike, exactly
 * once per event and in a causal order; the rules make any causal order
 * give the same tables. */
gboolean tn_projection_apply          (TnStore        *store,
                                       const TnEvent  *event,
                                       GError        **error);

/* One handler per family, in tn-projection-*.c. */
gboolean tn_projection_apply_product  (TnStore        *store,
                                       const TnEvent  *event,
                                       GError        **error);
gboolean tn_projection_apply_stock    (TnStore        *store,
                                       const TnEvent  *event,
                                       GError        **error);
gboolean tn_projection_apply_sale     (TnStore        *store,
                                       const TnEvent  *event,
                                       GError        **error);
gboolean tn_projection_apply_people   (TnStore        *store,
                                       const TnEvent  *event,
                                       GError        **error);
gboolean tn_projection_apply_cash     (TnStore        *store,
                                       const TnEvent  *event,
                                       GError        **error);
gboolean tn_projection_apply_fiscal   (TnStore        *store,
                                       const TnEvent  *event,
                                       GError        **error);

/* Records a stock movement and updates the PN-counter.  @source_id and
 * @line identify the movement, so that applying it twice is a no-op. */
gboolean tn_projection_move_stock     (TnStore        *store,
                                       const char     *source_id,
                                       gint64          line,
                                       const char     *sku,
                                       gint64          delta,
                                       const char     *kind,
                                       const char     *reason,
                                       const TnEvent  *event,
                                       GError        **error);

/* Counts a movement whose row exists already or is implied (a sale's
 * lines are its movements: stock_movements in the schema): notes it in
 * the state digest and updates the PN-counter.  Call it once per
 * movement, when the row that carries it is first inserted. */
gboolean tn_projection_count_movement (TnStore        *store,
                                       const char     *source_id,
                                       gint64          line,
                                       const char     *sku,
                                       gint64          delta,
                                       const char     *kind,
                                       const char     *reason,
                                       GError        **error);

/* Between these two, stock movements update the stock table once per
 * sku at the flush rather than once per movement: a peer's batch of
 * sales touches the same few hundred skus thousands of times.  Nothing
 * may read the stock table in between; the flush must run in the same
 * transaction as the movements. */
void     tn_projection_batch_stock    (TnStore        *store);
gboolean tn_projection_flush_stock    (TnStore        *store,
                                       GError        **error);

/* Updates one LWW column pair (@column, @column_clock) of @table's row
 * @key_column = @key if @clock is newer.  @value NULL binds SQL NULL;
 * for integers use tn_projection_lww_set_int. */
gboolean tn_projection_lww_set_text   (TnStore        *store,
                                       const char     *update_sql,
                                       const char     *key,
                                       const char     *value,
                                       const char     *clock,
                                       GError        **error);
gboolean tn_projection_lww_set_int    (TnStore        *store,
                                       const char     *update_sql,
                                       const char     *key,
                                       gint64          value,
                                       const char     *clock,
                                       GError        **error);

G_END_DECLS
