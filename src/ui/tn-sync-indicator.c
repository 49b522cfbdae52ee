/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "config.h"

#include "tn-sync-indicator.h"

#include <inttypes.h>
#include <glib/gi18n.h>
#include <json-glib/json-glib.h>

#include "tn-hlc.h"
#include "tn-manager-format.h"
#include "tn-queries.h"
#include "tn-sync-follow.h"
#include "tn-ui-util.h"

/* How many pending events and dead letters the popover lists. */
#define LIST_LIMIT 20

struct _TnSyncIndicator
{
  GtkWidget       parent_instance;

  TnApplication  *app;
  TnSyncService  *service;          /* weak: the one whose signals we hear */
  guint           tick_id;
  gint64          last_online_ms;   /* when a peer was last connected */
  GPtrArray      *peer_labels;      /* GtkLabel*, parallel to peer_seen */
  GArray         *peer_seen;        /* gint64 last_seen per peer row */
  GPtrArray      *peer_texts;       /* char *, the row text before "last seen" */

  GtkMenuButton  *button;
  GtkImage       *icon;
  GtkLabel       *summary_label;
  GtkPopover     *popover;
  GtkLabel       *state_label;
  GtkLabel       *offline_warning;
  GtkBox         *peers_box;
  GtkLabel       *pending_label;
  GtkLabel       *peer_ack_label;
  GtkLabel       *cloud_ack_label;
  GtkLabel       *held_label;
  GtkLabel       *hub_label;
  GtkLabel       *pending_events_label;
  GtkLabel       *dead_letters_label;
};

G_DEFINE_FINAL_TYPE (TnSyncIndicator, tn_sync_indicator, GTK_TYPE_WIDGET)

enum {
  ACTIVATE,
  N_SIGNALS
};

static guint signals[N_SIGNALS];

static void refresh_details (TnSyncIndicator *self);

/* Peers ------------------------------------------------------------------- */

/* Lanes with a working session; a lane we both dial and are dialled by
 * counts once. */
static guint
count_connected (GPtrArray *peers)
{
  g_autoptr(GHashTable) seen = g_hash_table_new (g_str_hash, g_str_equal);

  for (guint i = 0; peers != NULL && i < peers->len; i++)
    {
      TnSyncPeerStatus *peer = peers->pdata[i];

      if (g_strcmp0 (peer->state, "connected") == 0)
        g_hash_table_add (seen, peer->replica != NULL ? peer->replica : peer->label);
    }
  return g_hash_table_size (seen);
}

static const char *
state_text (TnSyncState state)
{
  switch (state)
    {
    case TN_SYNC_STATE_STOPPED:
      return _("Sync is stopped");
    case TN_SYNC_STATE_STARTING:
      return _("Sync is starting");
    case TN_SYNC_STATE_RUNNING:
      return _("Sync is running");
    case TN_SYNC_STATE_FAILED:
    default:
      return _("Sync failed; see the lane's log");
    }
}

static void
update_offline_warning (TnSyncIndicator *self,
                        gboolean         online,
                        gint64           now)
{
  const TnConfig *config = tn_application_get_config (self->app);
  guint max_minutes = config != NULL ? config->max_offline_minutes : 60;
  gint64 offline_ms = now - self->last_online_ms;

  /* A lane set up to work alone is not "offline". */
  gboolean has_partners = config != NULL && ((config->peers != NULL && config->peers[0] != NULL) ||
                                             config->hub_url != NULL);

  if (online || !has_partners || max_minutes == 0 ||
      offline_ms < (gint64) max_minutes * 60 * 1000)
    {
      gtk_widget_set_visible (GTK_WIDGET (self->offline_warning), FALSE);
      gtk_widget_remove_css_class (GTK_WIDGET (self->button), "warning");
      return;
    }
  {
    g_autofree char *text =
      g_strdup_printf (_("This lane has been offline for %" PRId64 " minutes (the limit is %u): "
                         "its sales reach no other lane or the hub. Check the network cable "
                         "and that the other lanes are running."),
                       offline_ms / 60000, max_minutes);

    if (g_strcmp0 (gtk_label_get_text (self->offline_warning), text) != 0)
      tn_ui_label_set_text (self->offline_warning, text, _("Offline warning"));
    gtk_widget_set_visible (GTK_WIDGET (self->offline_warning), TRUE);
    gtk_widget_add_css_class (GTK_WIDGET (self->button), "warning");
  }
}

/* Only on a change: the timer calls this every second and each new
 * accessible name is an event for screen readers. */
static void
set_summary (TnSyncIndicator *self,
             const char      *text,
             const char      *icon_name)
{
  if (g_strcmp0 (gtk_label_get_text (self->summary_label), text) == 0)
    return;
  tn_ui_label_set_text (self->summary_label, text, _("Sync summary"));
  gtk_image_set_from_icon_name (self->icon, icon_name);
}

/* The cheap part: the summary from the service's in-memory snapshot. */
static void
refresh_summary (TnSyncIndicator *self)
{
  GPtrArray *peers = NULL;
  gint64 now = g_get_real_time () / 1000;
  gboolean running = FALSE;
  guint connected = 0;

  if (self->service != NULL)
    {
      running = tn_sync_service_get_state (self->service) == TN_SYNC_STATE_RUNNING;
      peers = tn_sync_service_get_peers (self->service);
      connected = running ? count_connected (peers) : 0;
    }
  for (guint i = 0; peers != NULL && i < peers->len; i++)
    self->last_online_ms = MAX (self->last_online_ms,
                                ((TnSyncPeerStatus *) peers->pdata[i])->last_seen);
  if (connected > 0)
    {
      g_autofree char *text = g_strdup_printf (ngettext ("Online: %u peer", "Online: %u peers",
                                                         connected), connected);

      self->last_online_ms = now;
      set_summary (self, text, "network-transmit-receive-symbolic");
    }
  else
    set_summary (self, _("Offline"), "network-offline-symbolic");
  gtk_label_set_text (self->state_label,
                      self->service != NULL ? state_text (tn_sync_service_get_state (self->service))
                                            : _("Sync is not running: this lane works alone"));
  update_offline_warning (self, connected > 0, now);
}

static void
update_last_seen (TnSyncIndicator *self)
{
  gint64 now = g_get_real_time () / 1000;

  for (guint i = 0; i < self->peer_labels->len; i++)
    {
      gint64 seen = g_array_index (self->peer_seen, gint64, i);
      g_autofree char *ago = tn_manager_format_ago (seen, now);
      /* TRANSLATORS: a peer's row, then how long ago it was last seen */
      g_autofree char *text = g_strdup_printf (_("%s · last seen %s"),
                                               (char *) self->peer_texts->pdata[i], ago);

      gtk_label_set_text (self->peer_labels->pdata[i], text);
    }
}

static void
refresh_peers (TnSyncIndicator *self)
{
  GPtrArray *peers = self->service != NULL ? tn_sync_service_get_peers (self->service) : NULL;
  GtkWidget *child;

  while ((child = gtk_widget_get_first_child (GTK_WIDGET (self->peers_box))) != NULL)
    gtk_box_remove (self->peers_box, child);
  g_ptr_array_set_size (self->peer_labels, 0);
  g_ptr_array_set_size (self->peer_texts, 0);
  g_array_set_size (self->peer_seen, 0);

  if (peers == NULL || peers->len == 0)
    {
      gtk_box_append (self->peers_box,
                      gtk_label_new (self->service != NULL ? _("No peer is configured or connected")
                                                           : _("No peers")));
      return;
    }
  for (guint i = 0; i < peers->len; i++)
    {
      TnSyncPeerStatus *peer = peers->pdata[i];
      GtkWidget *label = gtk_label_new (NULL);
      /* TRANSLATORS: terminal or address, who dialled, connection state,
       * events the peer has not acknowledged yet, events it holds that we
       * lack */
      char *text = g_strdup_printf (_("%s (%s): %s · lag %" PRId64 " · behind %" PRId64),
                                    peer->terminal != NULL ? peer->terminal : peer->label,
                                    peer->outgoing ? _("outgoing") : _("incoming"),
                                    peer->state, peer->lag, peer->behind);

      if (peer->last_error != NULL && g_strcmp0 (peer->state, "connected") != 0)
        {
          char *with_error = g_strdup_printf ("%s (%s)", text, peer->last_error);

          g_free (text);
          text = with_error;
        }
      gtk_label_set_xalign (GTK_LABEL (label), 0);
      gtk_label_set_wrap (GTK_LABEL (label), TRUE);
      gtk_widget_set_tooltip_text (label, peer->label);
      gtk_box_append (self->peers_box, label);
      g_ptr_array_add (self->peer_labels, label);
      g_ptr_array_add (self->peer_texts, text);
      g_array_append_val (self->peer_seen, peer->last_seen);
    }
  update_last_seen (self);
}

/* Hub --------------------------------------------------------------------- */

/* The hub state the sync worker writes to peers.json ("cloud"). */
static void
refresh_hub (TnSyncIndicator *self)
{
  const TnConfig *config = tn_application_get_config (self->app);
  g_autoptr(JsonParser) parser = json_parser_new ();
  g_autofree char *path = NULL;
  g_autofree char *text = NULL;
  JsonNode *root;

  if (config == NULL || config->hub_url == NULL ||
      g_signal_lookup ("cloud-changed", TN_TYPE_SYNC_SERVICE) == 0)
    {
      tn_ui_label_set_text (self->hub_label, _("Hub: not configured"), _("Hub status"));
      return;
    }
  path = g_build_filename (tn_application_get_data_dir (self->app), TN_SYNC_PEERS_FILE, NULL);
  /* A small local file, rewritten by the worker; reading it does not block. */
  if (!json_parser_load_from_file (parser, path, NULL) ||
      (root = json_parser_get_root (parser)) == NULL || !JSON_NODE_HOLDS_OBJECT (root) ||
      !json_object_has_member (json_node_get_object (root), "cloud") ||
      !JSON_NODE_HOLDS_OBJECT (json_object_get_member (json_node_get_object (root), "cloud")))
    {
      g_autofree char *line = g_strdup_printf (_("Hub: %s (no state reported yet)"),
                                               config->hub_url);

      tn_ui_label_set_text (self->hub_label, line, _("Hub status"));
      return;
    }
  text = tn_manager_cloud_state_text (json_object_get_object_member (json_node_get_object (root),
                                                                     "cloud"),
                                      config->hub_url);
  tn_ui_label_set_text (self->hub_label, text, _("Hub status"));
}

/* The heavier part (a few indexed queries), only while the popover shows. */
static void
refresh_details (TnSyncIndicator *self)
{
  TnStore *store = tn_application_get_store (self->app);
  g_autoptr(GError) error = NULL;
  g_autoptr(GPtrArray) pending = NULL;
  g_autoptr(GPtrArray) dead = NULL;
  g_autoptr(GString) text = g_string_new (NULL);
  TnOutboxCounts counts = { 0 };
  g_autofree char *n = NULL;

  refresh_peers (self);
  refresh_hub (self);
  if (store == NULL)
    return;
  if (tn_store_get_outbox_counts (store, &counts, &error))
    {
      g_autofree char *p = g_strdup_printf ("%" PRId64, counts.pending);
      g_autofree char *pa = g_strdup_printf ("%" PRId64, counts.peer_ack);
      g_autofree char *ca = g_strdup_printf ("%" PRId64, counts.cloud_ack);

      tn_ui_label_set_text (self->pending_label, p, _("Pending events count"));
      tn_ui_label_set_text (self->peer_ack_label, pa, _("Peer-acknowledged count"));
      tn_ui_label_set_text (self->cloud_ack_label, ca, _("Cloud-acknowledged count"));
    }
  else
    {
      tn_ui_label_set_text (self->pending_label, error->message, _("Pending events count"));
      g_clear_error (&error);
    }
  n = g_strdup_printf ("%" PRId64, tn_store_count_held_back (store));
  tn_ui_label_set_text (self->held_label, n, _("Held-back count"));

  pending = tn_store_list_pending_events (store, LIST_LIMIT, &error);
  if (pending == NULL)
    g_string_append (text, error->message);
  else if (pending->len == 0)
    g_string_append (text, _("None: every event of this lane reached another lane"));
  for (guint i = 0; pending != NULL && i < pending->len; i++)
    {
      TnOutboxEntry *entry = pending->pdata[i];
      g_autofree char *when = tn_manager_format_ms (entry->created_at, "%X");

      g_string_append_printf (text, "%s#%" PRId64 " %s %s", i > 0 ? "\n" : "",
                              entry->seq, entry->type, when);
      if (entry->last_error != NULL)
        g_string_append_printf (text, " (%s)", entry->last_error);
    }
  if (pending != NULL && pending->len == LIST_LIMIT && counts.pending > LIST_LIMIT)
    {
      g_string_append_c (text, '\n');
      g_string_append_printf (text, _("… and %" PRId64 " more"), counts.pending - LIST_LIMIT);
    }
  tn_ui_label_set_text (self->pending_events_label, text->str, _("Pending events"));
  g_clear_error (&error);

  g_string_truncate (text, 0);
  dead = tn_store_list_dead_letters (store, LIST_LIMIT, &error);
  if (dead == NULL)
    g_string_append (text, error->message);
  else if (dead->len == 0)
    g_string_append (text, _("None: the hub refused no event"));
  for (guint i = 0; dead != NULL && i < dead->len; i++)
    {
      TnDeadLetter *letter = dead->pdata[i];
      g_autofree char *when = tn_manager_format_ms (letter->created_at, "%x %X");

      if (i > 0)
        g_string_append_c (text, '\n');
      /* TRANSLATORS: event id, when, the hub's reason */
      g_string_append_printf (text, _("%s at %s: %s"), letter->event_id, when, letter->reason);
    }
  tn_ui_label_set_text (self->dead_letters_label, text->str, _("Dead letters"));
}

/* Signals ----------------------------------------------------------------- */

static void
on_peer_changed (TnSyncIndicator *self)
{
  refresh_summary (self);
  if (gtk_widget_get_visible (GTK_WIDGET (self->popover)))
    refresh_peers (self);
}

static void
on_events_applied (TnSyncIndicator *self)
{
  if (gtk_widget_get_visible (GTK_WIDGET (self->popover)))
    refresh_details (self);
}

static void
on_cloud_changed (TnSyncIndicator *self)
{
  if (gtk_widget_get_visible (GTK_WIDGET (self->popover)))
    refresh_hub (self);
}

static void
on_popover_show (GtkPopover      *popover,
                 TnSyncIndicator *self)
{
  refresh_summary (self);
  refresh_details (self);
}

static const TnSyncHandler sync_handlers[] = {
  { "peer-changed", G_CALLBACK (on_peer_changed) },
  { "state-changed", G_CALLBACK (on_peer_changed) },
  { "events-applied", G_CALLBACK (on_events_applied) },
  { "cloud-changed", G_CALLBACK (on_cloud_changed) },
};

/* Every second: "last seen" texts and the summary from the in-memory
 * snapshot (no query), so a stopped peer shows within seconds. */
static gboolean
on_tick (gpointer user_data)
{
  TnSyncIndicator *self = user_data;

  refresh_summary (self);
  if (gtk_widget_get_visible (GTK_WIDGET (self->popover)))
    update_last_seen (self);
  return G_SOURCE_CONTINUE;
}

static void
popup_action (GtkWidget  *widget,
              const char *action_name,
              GVariant   *param)
{
  tn_sync_indicator_popup (TN_SYNC_INDICATOR (widget));
}

/* Overrides --------------------------------------------------------------- */

static void
tn_sync_indicator_dispose (GObject *object)
{
  TnSyncIndicator *self = TN_SYNC_INDICATOR (object);

  g_clear_handle_id (&self->tick_id, g_source_remove);
  tn_sync_unfollow (object, self->app, &self->service);
  if (self->app != NULL)
    g_signal_handlers_disconnect_by_data (self->app, self);
  g_clear_object (&self->app);
  gtk_widget_dispose_template (GTK_WIDGET (self), TN_TYPE_SYNC_INDICATOR);
  G_OBJECT_CLASS (tn_sync_indicator_parent_class)->dispose (object);
}

static void
tn_sync_indicator_finalize (GObject *object)
{
  TnSyncIndicator *self = TN_SYNC_INDICATOR (object);

  g_ptr_array_unref (self->peer_labels);
  g_ptr_array_unref (self->peer_texts);
  g_array_unref (self->peer_seen);
  G_OBJECT_CLASS (tn_sync_indicator_parent_class)->finalize (object);
}

static void
tn_sync_indicator_class_init (TnSyncIndicatorClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  object_class->dispose = tn_sync_indicator_dispose;
  object_class->finalize = tn_sync_indicator_finalize;

  gtk_widget_class_set_layout_manager_type (widget_class, GTK_TYPE_BIN_LAYOUT);
  gtk_widget_class_set_template_from_resource (widget_class,
                                               "/org/tendero/Tendero/tn-sync-indicator.ui");
  gtk_widget_class_bind_template_child (widget_class, TnSyncIndicator, button);
  gtk_widget_class_bind_template_child (widget_class, TnSyncIndicator, icon);
  gtk_widget_class_bind_template_child (widget_class, TnSyncIndicator, summary_label);
  gtk_widget_class_bind_template_child (widget_class, TnSyncIndicator, popover);
  gtk_widget_class_bind_template_child (widget_class, TnSyncIndicator, state_label);
  gtk_widget_class_bind_template_child (widget_class, TnSyncIndicator, offline_warning);
  gtk_widget_class_bind_template_child (widget_class, TnSyncIndicator, peers_box);
  gtk_widget_class_bind_template_child (widget_class, TnSyncIndicator, pending_label);
  gtk_widget_class_bind_template_child (widget_class, TnSyncIndicator, peer_ack_label);
  gtk_widget_class_bind_template_child (widget_class, TnSyncIndicator, cloud_ack_label);
  gtk_widget_class_bind_template_child (widget_class, TnSyncIndicator, held_label);
  gtk_widget_class_bind_template_child (widget_class, TnSyncIndicator, hub_label);
  gtk_widget_class_bind_template_child (widget_class, TnSyncIndicator, pending_events_label);
  gtk_widget_class_bind_template_child (widget_class, TnSyncIndicator, dead_letters_label);
  gtk_widget_class_bind_template_callback (widget_class, on_popover_show);
  gtk_widget_class_install_action (widget_class, "sync-indicator.popup", NULL, popup_action);

  /* gtk_widget_activate () on the indicator opens the popover. */
  signals[ACTIVATE] =
    g_signal_new_class_handler ("activate", G_TYPE_FROM_CLASS (klass),
                                G_SIGNAL_RUN_LAST | G_SIGNAL_ACTION,
                                G_CALLBACK (tn_sync_indicator_popup), NULL, NULL, NULL,
                                G_TYPE_NONE, 0);
  gtk_widget_class_set_activate_signal (widget_class, signals[ACTIVATE]);
}

static void
tn_sync_indicator_init (TnSyncIndicator *self)
{
  gtk_widget_init_template (GTK_WIDGET (self));
  self->peer_labels = g_ptr_array_new ();
  self->peer_texts = g_ptr_array_new_with_free_func (g_free);
  self->peer_seen = g_array_new (FALSE, FALSE, sizeof (gint64));
  self->last_online_ms = g_get_real_time () / 1000;
}

/* Public API -------------------------------------------------------------- */

GtkWidget *
tn_sync_indicator_new (TnApplication *app)
{
  TnSyncIndicator *self;

  g_return_val_if_fail (TN_IS_APPLICATION (app), NULL);

  self = g_object_new (TN_TYPE_SYNC_INDICATOR, NULL);
  self->app = g_object_ref (app);
  g_signal_connect_object (app, "store-changed", G_CALLBACK (on_events_applied), self,
                           G_CONNECT_SWAPPED);
  self->tick_id = g_timeout_add_seconds (1, on_tick, self);
  tn_sync_follow (G_OBJECT (self), app, &self->service, sync_handlers,
                  G_N_ELEMENTS (sync_handlers), G_CALLBACK (refresh_summary));
  refresh_summary (self);
  return GTK_WIDGET (self);
}

void
tn_sync_indicator_popup (TnSyncIndicator *self)
{
  g_return_if_fail (TN_IS_SYNC_INDICATOR (self));

  gtk_menu_button_popup (self->button);
}
