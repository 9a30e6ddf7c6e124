-- Load for POST /api/v1/events (v1) or POST /movements/ (legacy), driven by wrk.
--
-- wrk -s ingest.lua URL -- KEYS_FILE BATCH DIALECT SEQ_BASE THREADS
--   KEYS_FILE  device keys, one a line; thread t of n sends with keys t, t+n, t+2n, ...
--              in turn, so every key is used by one thread only and its seq never repeats
--   BATCH      events per request
--   DIALECT    "v1" or "legacy"
--   SEQ_BASE   first sequence number of every device in this run
--   THREADS    the -t value given to wrk
-- Event times are a few seconds before now, alternating entry and exit.
-- At the end it prints one JSON line that starts with "RESULT ".

local counter = 0

function setup(thread)
  thread:set("thread_index", counter)
  counter = counter + 1
end

function init(args)
  local keys_file, batch, dialect, seq_base = args[1], tonumber(args[2]), args[3], tonumber(args[4])
  local thread_count = tonumber(args[5])
  local all = {}
  for line in io.lines(keys_file) do
    if #line > 0 then table.insert(all, line) end
  end
  keys = {}
  seqs = {}
  for i = 1, #all do
    if (i - 1) % thread_count == thread_index then
      table.insert(keys, all[i])
      table.insert(seqs, seq_base)
    end
  end
  if #keys == 0 then
    error("thread " .. thread_index .. " has no key: give at least as many keys as threads")
  end
  next_key = 1
  batch_size = batch
  legacy = dialect == "legacy"
end

function request()
  local k = next_key
  next_key = next_key % #keys + 1
  local now = os.time() - 5
  local parts = {}
  local seq = seqs[k]
  for i = 0, batch_size - 1 do
    local entry = ((seq + i) % 2 == 0)
    if legacy then
      parts[#parts + 1] = string.format('{"time":%d.%03d,"form":%s}', now, (seq + i) % 1000,
        entry and "true" or "false")
    else
      parts[#parts + 1] = string.format('{"seq":%d,"time":%d.%03d,"direction":"%s"}', seq + i,
        now, (seq + i) % 1000, entry and "entry" or "exit")
    end
  end
  seqs[k] = seq + batch_size
  if legacy then
    return wrk.format("POST", "/movements/?api_key=" .. keys[k],
      {["Content-Type"] = "application/json"}, "[" .. table.concat(parts, ",") .. "]")
  end
  return wrk.format("POST", "/api/v1/events",
    {["Content-Type"] = "application/json", ["Authorization"] = "Bearer " .. keys[k]},
    '{"events":[' .. table.concat(parts, ",") .. ']}')
end

function done(summary, latency, requests)
  local non2xx = summary.errors.status
  io.write(string.format(
    'RESULT {"requests":%d,"duration_us":%d,"non2xx":%d,"connect_errors":%d,' ..
    '"read_errors":%d,"write_errors":%d,"timeouts":%d,' ..
    '"p50_us":%d,"p90_us":%d,"p99_us":%d,"max_us":%d,"mean_us":%.1f}\n',
    summary.requests, summary.duration, non2xx, summary.errors.connect, summary.errors.read,
    summary.errors.write, summary.errors.timeout,
    latency:percentile(50), latency:percentile(90), latency:percentile(99), latency.max,
    latency.mean))
end
