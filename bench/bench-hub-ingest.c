/* SPDX-License-Identifier: GPL-3.0-or-later */

/* Ingest throughput of tendero-hub: events per second uploaded in gzip
 * batches of 500 (what a lane's cloud client sends) by four concurrent
 * clients, through one hub and then through two hubs on the same
 * PostgreSQL cluster (a throw-away one, fsync off: this measures the
 * hub, not the disk).  Prints figures; never passes or fails on them.
 *
 *   bench-hub-ingest [EVENTS]     (default 200000) */

#include <libsoup/soup.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "tn-event.h"
#include "tn-pg-harness.h"

#define BATCH 500
#define CLIENTS 4
#define ORIGINS_PER_CLIENT 2

typedef struct
{
  const char   *store;
  const char   *key;
  TnHubProcess *hub;
  GPtrArray    *bodies;   /* gzip-compressed batches, in upload order */
  gint64        events;
} Client;

static GBytes *
gzip_bytes (const char *text)
{
  g_autoptr(GZlibCompressor) compressor = g_zlib_compressor_new (G_ZLIB_COMPRESSOR_FORMAT_GZIP, 6);
  g_autoptr(GOutputStream) memory = g_memory_output_stream_new_resizable ();
  g_autoptr(GOutputStream) out = g_converter_output_stream_new (memory, G_CONVERTER (compressor));

  g_output_stream_write_all (out, text, strlen (text), NULL, NULL, NULL);
  g_output_stream_close (out, NULL, NULL);
  return g_memory_output_stream_steal_as_bytes (G_MEMORY_OUTPUT_STREAM (memory));
}

/* Batches for @n_events events of @n_origins origins of @store, origin
 * after origin, each in seq order.  Small events: what the hub spends per
 * event is validation, hashing and its row. */
static GPtrArray *
make_batches (const char *store,
              gint64      n_events,
              guint       n_origins)
{
  GPtrArray *bodies = g_ptr_array_new_with_free_func ((GDestroyNotify) g_bytes_unref);
  gint64 per_origin = n_events / n_origins;

  for (guint o = 0; o < n_origins; o++)
    {
      g_autofree char *origin = g_uuid_string_random ();

      for (gint64 first = 1; first <= per_origin; first += BATCH)
        {
          g_autoptr(GString) body = g_string_new ("{\"events\":[");

          for (gint64 seq = first; seq < first + BATCH && seq <= per_origin; seq++)
            {
              g_autoptr(GError) error = NULL;
              g_autoptr(TnEvent) event = NULL;
              JsonObject *object = json_object_new ();
              JsonNode *payload = json_node_new (JSON_NODE_OBJECT);
              TnVersionVector *deps = tn_version_vector_new ();

              json_object_set_string_member (object, "sku", "COFFEE-250");
              json_object_set_int_member (object, "delta", -1000 - seq % 7);
              json_object_set_string_member (object, "reason", "Shelf count after delivery");
              json_object_set_string_member (object, "employee", "ana");
              json_node_take_object (payload, object);
              if (seq > 1)
                tn_version_vector_set (deps, origin, seq - 1);
              event = tn_event_new (store, origin, seq, TN_EVENT_STOCK_ADJUSTED,
                                    tn_hlc_make (1700000000000 + seq, 0), deps, payload, &error);
              g_assert_no_error (error);
              if (seq > first)
                g_string_append_c (body, ',');
              g_string_append (body, event->canonical);
            }
          g_string_append (body, "]}");
          g_ptr_array_add (bodies, gzip_bytes (body->str));
        }
    }
  return bodies;
}

/* CPU time (user + system, in seconds) of process @pid, or of all the
 * children of @pid when @children: on a machine shared with other work,
 * events per CPU-second says more than wall-clock rates. */
static double
cpu_seconds (int      pid,
             gboolean children)
{
  g_autoptr(GDir) proc = g_dir_open ("/proc", 0, NULL);
  const char *name;
  double total = 0;

  while (proc != NULL && (name = g_dir_read_name (proc)) != NULL)
    {
      g_autofree char *path = NULL;
      g_autofree char *text = NULL;
      g_auto(GStrv) fields = NULL;
      const char *close_paren;

      if (!g_ascii_isdigit (name[0]))
        continue;
      if (!children && atoi (name) != pid)
        continue;
      path = g_strdup_printf ("/proc/%s/stat", name);
      if (!g_file_get_contents (path, &text, NULL, NULL) ||
          (close_paren = strrchr (text, ')')) == NULL)
        continue;
      /* After "pid (comm) ": state ppid … utime (14th field) stime (15th). */
      fields = g_strsplit (close_paren + 2, " ", 0);
      if (g_strv_length (fields) < 13)
        continue;
      if (children && atoi (fields[1]) != pid)
        continue;
      total += (g_ascii_strtod (fields[11], NULL) + g_ascii_strtod (fields[12], NULL)) /
               sysconf (_SC_CLK_TCK);
    }
  return total;
}

static int
postmaster_pid (TnPgCluster *cluster)
{
  g_autofree char *path = g_build_filename (cluster->data_dir, "postmaster.pid", NULL);
  g_autofree char *text = NULL;

  if (!g_file_get_contents (path, &text, NULL, NULL))
    g_error ("Cannot read %s", path);
  return atoi (text);
}

static gpointer
client_run (gpointer data)
{
  Client *client = data;
  g_autoptr(SoupSession) session = soup_session_new_with_options ("timeout", 300, NULL);
  g_autofree char *url = g_strdup_printf ("%s/v1/stores/%s/events:batch",
                                          client->hub->base_url, client->store);
  g_autofree char *auth = g_strconcat ("Bearer ", client->key, NULL);

  for (guint i = 0; i < client->bodies->len; i++)
    {
      g_autoptr(SoupMessage) msg = soup_message_new ("POST", url);
      g_autoptr(GBytes) answer = NULL;
      g_autoptr(GError) error = NULL;
      SoupMessageHeaders *headers = soup_message_get_request_headers (msg);

      soup_message_headers_replace (headers, "Authorization", auth);
      soup_message_headers_replace (headers, "Content-Encoding", "gzip");
      soup_message_set_request_body_from_bytes (msg, "application/json",
                                                client->bodies->pdata[i]);
      answer = soup_session_send_and_read (session, msg, NULL, &error);
      g_assert_no_error (error);
      if (soup_message_get_status (msg) != 200)
        g_error ("batch answered %u: %.*s", soup_message_get_status (msg),
                 (int) g_bytes_get_size (answer), (const char *) g_bytes_get_data (answer, NULL));
    }
  return NULL;
}

static char *
load_average (void)
{
  g_autofree char *text = NULL;

  if (!g_file_get_contents ("/proc/loadavg", &text, NULL, NULL))
    return g_strdup ("?");
  *strchr (text, ' ') = '\0';
  return g_steal_pointer (&text);
}

static void
run (TnPgCluster   *cluster,
     TnHubProcess **hubs,
     guint          n_hubs,
     const char    *store,
     gint64         n_events)
{
  g_autofree char *key = tn_hub_create_key (cluster, store);
  g_autoptr(GPtrArray) bodies = make_batches (store, n_events, CLIENTS * ORIGINS_PER_CLIENT);
  g_autofree char *sql = g_strdup_printf ("SELECT count (*) FROM events WHERE store = '%s'",
                                          store);
  Client clients[CLIENTS];
  GThread *threads[CLIENTS];
  guint per_client = bodies->len / CLIENTS;
  gint64 start, stored;
  double seconds, hub_cpu = 0, pg_cpu;
  int postmaster = postmaster_pid (cluster);
  g_autofree char *load = NULL;

  for (guint c = 0; c < CLIENTS; c++)
    {
      clients[c] = (Client) { store, key, hubs[c % n_hubs], g_ptr_array_new (), 0 };
      for (guint i = c * per_client; i < (c + 1) * per_client; i++)
        g_ptr_array_add (clients[c].bodies, bodies->pdata[i]);
    }

  for (guint h = 0; h < n_hubs; h++)
    hub_cpu -= cpu_seconds (atoi (g_subprocess_get_identifier (hubs[h]->process)), FALSE);
  pg_cpu = -cpu_seconds (postmaster, TRUE);
  start = g_get_monotonic_time ();
  for (guint c = 0; c < CLIENTS; c++)
    threads[c] = g_thread_new ("client", client_run, &clients[c]);
  for (guint c = 0; c < CLIENTS; c++)
    {
      g_thread_join (threads[c]);
      g_ptr_array_unref (clients[c].bodies);
    }
  seconds = (g_get_monotonic_time () - start) / (double) G_USEC_PER_SEC;
  for (guint h = 0; h < n_hubs; h++)
    hub_cpu += cpu_seconds (atoi (g_subprocess_get_identifier (hubs[h]->process)), FALSE);
  pg_cpu += cpu_seconds (postmaster, TRUE);

  stored = tn_pg_query_int (cluster, sql);
  load = load_average ();
  g_print ("%u hub(s), %d clients, batches of %d: %" G_GINT64_FORMAT " events in %.2f s = "
           "%.0f events/s (load average %s)\n", n_hubs, CLIENTS, BATCH, stored, seconds,
           stored / seconds, load);
  g_print ("    CPU: hub %.2f s + PostgreSQL %.2f s = %.0f events per CPU-second\n",
           hub_cpu, pg_cpu, stored / (hub_cpu + pg_cpu));
  if (stored != (gint64) per_client * CLIENTS * BATCH)
    g_printerr ("warning: %" G_GINT64_FORMAT " events stored, expected %u\n", stored,
                per_client * CLIENTS * BATCH);
}

int
main (int    argc,
      char **argv)
{
  gint64 n_events = argc > 1 ? g_ascii_strtoll (argv[1], NULL, 10) : 200000;
  TnPgCluster *cluster;
  TnHubProcess *hubs[2];

  /* Whole batches for every origin. */
  n_events = MAX (n_events / (CLIENTS * ORIGINS_PER_CLIENT * BATCH), 1) *
             CLIENTS * ORIGINS_PER_CLIENT * BATCH;
  cluster = tn_pg_cluster_start ();
  hubs[0] = tn_hub_start (cluster);
  hubs[1] = tn_hub_start (cluster);

  run (cluster, hubs, 1, "bench-one-hub", n_events);
  run (cluster, hubs, 2, "bench-two-hubs", n_events);

  tn_hub_stop (hubs[0]);
  tn_hub_stop (hubs[1]);
  tn_pg_cluster_stop (cluster);
  return 0;
}
