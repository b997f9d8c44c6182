/**
 * Dataset readers: streams of {@link ai.lcl4j.data.Document}s from MMC4, OBELICS,
 * WanJuan, webdataset tars and CSV pairs, with sharding, shuffling, epochs, mixing,
 * prefetching and exact resume.
 *
 * <p>What a trainer calls:
 * <pre>{@code
 * SkipLog skips = new SkipLog();
 * List<SourceSpec> specs = SourceSpec.parseList("[{\"type\":\"mmc4\",\"path\":\"/data/mmc4\",\"weight\":3},"
 *         + "{\"type\":\"wds\",\"path\":\"/data/cc3m\"}]");
 * StreamOptions opts = StreamOptions.training(seed).withShard(rank, worldSize, worker, numWorkers);
 * DocumentSource src = Sources.open(specs, opts, skips);
 * if (checkpoint != null) src.seek(Position.parse(checkpoint.dataPosition));
 * try (Prefetcher<Sample> it = new Prefetcher<>(src, doc -> builder.build(doc), threads, 64)) {
 *     while (it.hasNext()) {
 *         Sample s = it.next();
 *         ...
 *         checkpoint.dataPosition = it.position().toJson();  // after the last sample handed out
 *     }
 * }
 * System.err.println(skips.summary());
 * }</pre>
 *
 * <p>Layering: a {@link ai.lcl4j.data.source.RecordFormat} knows one file format
 * (records numbered per file); {@link ai.lcl4j.data.source.ShardedSource} adds
 * sharding, shuffle buffer, epochs and positions; {@link ai.lcl4j.data.source.MixedSource}
 * mixes sources; {@link ai.lcl4j.data.source.Prefetcher} decodes in parallel, in order.
 * Webdataset shards may also be remote ({@code SourceSpec.of("wds", "https://host/shard-{000000..000099}.tar")}
 * or {@code "pipe:COMMAND"}): {@link ai.lcl4j.data.source.ShardUrls} expands the list,
 * {@link ai.lcl4j.data.source.RemoteShard}s stream each shard with retries that resume at
 * the byte reached ({@link ai.lcl4j.data.source.ResumingInputStream}), and the same tar
 * reader, skip rules and positions apply.
 * Bad records are counted in the {@link ai.lcl4j.data.SkipLog} under the reasons in
 * {@link ai.lcl4j.data.source.SkipReasons}; only an unreadable dataset folder (at open)
 * or an epoch with no usable document (at hasNext/next) throws.
 */
package ai.lcl4j.data.source;
