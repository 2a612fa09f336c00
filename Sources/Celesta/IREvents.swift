// Exported C functions: event files (TALON's talon.io.h5 layout) through libhdf5 (IR and files section).

import CelestaABI
import CelestaIR

/// `celesta_events_writer_t *` as the shim spells it (see scripts/gen_header.py).
public typealias celesta_events_writer_ref = OpaquePointer
/// `celesta_events_reader_t *`.
public typealias celesta_events_reader_ref = OpaquePointer

/// The object behind a `celesta_events_writer_t *`.
final class EventWriterBox: ProgressHolder {
    let writer: EventFileWriter
    var progress: ProgressCallback?
    init(_ writer: EventFileWriter) { self.writer = writer }
}

/// The object behind a `celesta_events_reader_t *`.
final class EventReaderBox: ProgressHolder {
    let reader: EventFileReader
    var progress: ProgressCallback?
    init(_ reader: EventFileReader) { self.reader = reader }
}

/// The columns of a caller's `celesta_events_t` (NULL only when there are no events).
private func columns(_ events: UnsafePointer<celesta_events_t>?, _ name: String, count: UInt) throws -> EventColumns {
    guard let events else {
        if count == 0 { return EventColumns(t: nil, x: nil, y: nil, p: nil) }
        throw CelestaError(.nullPointer, "argument '\(name)' is NULL but count is \(count)")
    }
    try checkStructSize(UnsafeRawPointer(events), celesta_events_t.self, name)
    let e = events.pointee
    return EventColumns(t: e.t, tStride: e.t_stride, x: e.x, xStride: e.x_stride, y: e.y, yStride: e.y_stride, p: e.p, pStride: e.p_stride)
}

/// A caller's config (NULL: TALON's defaults; NULL strings keep their default).
func eventConfig(_ config: UnsafePointer<celesta_events_config_t>?) throws -> EventFileConfig {
    var out = EventFileConfig.standard
    guard let config else { return out }
    try checkStructSize(UnsafeRawPointer(config), celesta_events_config_t.self, "config")
    let c = config.pointee
    func text(_ p: UnsafePointer<CChar>?, _ field: String) throws -> String? {
        guard let p else { return nil }
        guard let s = String(validatingCString: p) else { throw CelestaError(.invalidArgument, "field 'config->\(field)' is not valid UTF-8") }
        return s
    }
    if let s = try text(c.events_group, "events_group") { out.eventsGroup = s }
    if let s = try text(c.timestamp_key, "timestamp_key") { out.timestampKey = s }
    if let s = try text(c.x_key, "x_key") { out.xKey = s }
    if let s = try text(c.y_key, "y_key") { out.yKey = s }
    if let s = try text(c.polarity_key, "polarity_key") { out.polarityKey = s }
    out.compoundKey = try text(c.compound_key, "compound_key")
    return out
}

private func sensor(_ size: UnsafePointer<Int64>?) -> (width: Int64, height: Int64)? {
    size.map { ($0[0], $0[1]) }
}

private func gzip(_ level: Int32) throws -> Int? {
    guard level >= -1, level <= 9 else { throw CelestaError(.outOfRange, "argument 'gzip_level' is \(level); use 0...9, or -1 for no compression") }
    return level < 0 ? nil : Int(level)
}

/// Writes `count` events to `path` as TALON's write_h5 lays them out: datasets t, x, y, p in
/// the config's group (NULL config: group "events"), chunks of min(count, 100000) compressed
/// with gzip level `gzip_level` (-1: uncompressed chunks; 4 is TALON's), contiguous when
/// count is 0; attributes n_events, format, t_start/t_end (min/max t) and, when `sensor_size`
/// (width, height) is not NULL, sensor_width/sensor_height. The file is written under a
/// temporary name and renamed over `path`: a failed call leaves `path` as it was.
///
/// Errors: CELESTA_ERR_NULL_POINTER, CELESTA_ERR_INVALID_ARGUMENT (struct_size, strides, config
/// names), CELESTA_ERR_OUT_OF_RANGE (gzip_level), CELESTA_ERR_IO.
@_cdecl("celesta_events_write")
public func celesta_events_write(
    _ path: UnsafePointer<CChar>?, _ events: UnsafePointer<celesta_events_t>?, _ count: UInt,
    _ config: UnsafePointer<celesta_events_config_t>?, _ sensor_size: UnsafePointer<Int64>?, _ gzip_level: Int32
) -> Int32 {
    guarded {
        let p = try requiredString(path, "path")
        let c = try columns(events, "events", count: count)
        guard count <= UInt(Int.max / 16) else { throw CelestaError(.outOfRange, "argument 'count' is \(count), too large") }
        try EventFile.write(path: p, columns: c, count: Int(count), config: try eventConfig(config),
                            sensorSize: sensor(sensor_size), gzipLevel: try gzip(gzip_level))
    }
}

/// Opens a streaming writer (TALON's H5EventWriter): resizable datasets (maxshape None) with
/// chunks of min(chunk_length, 100000) events, gzip level `gzip_level` (-1: none), the
/// attributes format and sensor_width/sensor_height (when `sensor_size` is not NULL) now and
/// n_events, t_start (first t), t_end (last t) at celesta_events_writer_close(). Nothing
/// appears at `path` before the close.
///
/// Ownership: `*out` receives a writer to release with celesta_events_writer_free().
/// Errors: CELESTA_ERR_NULL_POINTER, CELESTA_ERR_INVALID_ARGUMENT, CELESTA_ERR_OUT_OF_RANGE, CELESTA_ERR_IO.
@_cdecl("celesta_events_writer_create")
public func celesta_events_writer_create(
    _ out: UnsafeMutablePointer<celesta_events_writer_ref?>?, _ path: UnsafePointer<CChar>?,
    _ config: UnsafePointer<celesta_events_config_t>?, _ sensor_size: UnsafePointer<Int64>?, _ chunk_length: UInt, _ gzip_level: Int32
) -> Int32 {
    guarded {
        let out = try required(out, "out")
        let p = try requiredString(path, "path")
        guard chunk_length >= 1, chunk_length <= 1 << 26 else {
            throw CelestaError(.outOfRange, "argument 'chunk_length' is \(chunk_length); use 1...\(1 << 26)")
        }
        let w = try EventFileWriter(path: p, config: try eventConfig(config), shape: .resizable(chunkLength: Int(chunk_length)),
                                    gzipLevel: try gzip(gzip_level), sensorSize: sensor(sensor_size))
        out.pointee = makeHandle(EventWriterBox(w))
    }
}

/// Appends `count` events (whole chunks are compressed and stored at once, the rest when more
/// events come or at the close). Errors: CELESTA_ERR_NULL_POINTER, CELESTA_ERR_INVALID_ARGUMENT,
/// CELESTA_ERR_INVALID_STATE (closed), CELESTA_ERR_IO, CELESTA_ERR_CANCELLED (progress callback).
@_cdecl("celesta_events_writer_append")
public func celesta_events_writer_append(_ writer: celesta_events_writer_ref?, _ events: UnsafePointer<celesta_events_t>?, _ count: UInt) -> Int32 {
    guarded {
        let box = try object(writer, EventWriterBox.self, "writer")
        let c = try columns(events, "events", count: count)
        guard count <= UInt(Int.max / 16) else { throw CelestaError(.outOfRange, "argument 'count' is \(count), too large") }
        try box.writer.append(c, count: Int(count), progress: box.progress?.closure)
    }
}

/// The number of events appended so far.
@_cdecl("celesta_events_writer_count")
public func celesta_events_writer_count(_ out: UnsafeMutablePointer<UInt64>?, _ writer: celesta_events_writer_ref?) -> Int32 {
    guarded {
        let out = try required(out, "out")
        out.pointee = UInt64(try object(writer, EventWriterBox.self, "writer").writer.count)
    }
}

/// Stores the last events, writes the closing attributes and renames the file over its path.
/// A second close does nothing. On failure the path is left as it was and the writer is closed.
@_cdecl("celesta_events_writer_close")
public func celesta_events_writer_close(_ writer: celesta_events_writer_ref?) -> Int32 {
    guarded { try object(writer, EventWriterBox.self, "writer").writer.close() }
}

/// Sets (or with `fn` NULL clears) the progress callback of celesta_events_writer_append()
/// (events stored of the events appended).
@_cdecl("celesta_events_writer_set_progress")
public func celesta_events_writer_set_progress(_ writer: celesta_events_writer_ref?, _ fn: celesta_progress_fn?, _ user_data: UnsafeMutableRawPointer?) -> Int32 {
    setProgress(writer, EventWriterBox.self, "writer", fn, user_data)
}

/// Releases a writer; NULL is ignored. A writer not closed is discarded: its file never
/// appears at its path.
@_cdecl("celesta_events_writer_free")
public func celesta_events_writer_free(_ writer: celesta_events_writer_ref?) {
    guard let writer else { return }
    (try? object(writer, EventWriterBox.self, "writer"))?.writer.discard()
    releaseHandle(writer, EventWriterBox.self)
}

/// Opens the event file `path` (NULL config: TALON's defaults) and detects its layout as
/// TALON's read_h5 does. Ownership: `*out` receives a reader to release with
/// celesta_events_reader_free(). Errors: CELESTA_ERR_NULL_POINTER, CELESTA_ERR_IO (no such
/// file), CELESTA_ERR_PARSE (not HDF5, truncated, no event layout), CELESTA_ERR_NOT_FOUND (the
/// group or one of the separate datasets is missing: the message names it).
@_cdecl("celesta_events_reader_open")
public func celesta_events_reader_open(
    _ out: UnsafeMutablePointer<celesta_events_reader_ref?>?, _ path: UnsafePointer<CChar>?, _ config: UnsafePointer<celesta_events_config_t>?
) -> Int32 {
    guarded {
        let out = try required(out, "out")
        let p = try requiredString(path, "path")
        out.pointee = makeHandle(EventReaderBox(try EventFileReader(path: p, config: try eventConfig(config))))
    }
}

/// What the file holds. `out->struct_size` must be set (CELESTA_INIT).
@_cdecl("celesta_events_reader_info")
public func celesta_events_reader_info(_ out: UnsafeMutablePointer<celesta_events_info_t>?, _ reader: celesta_events_reader_ref?) -> Int32 {
    guarded {
        let out = try required(out, "out")
        try checkStructSize(UnsafeRawPointer(out), celesta_events_info_t.self, "out")
        let i = try object(reader, EventReaderBox.self, "reader").reader.info
        let size = out.pointee.struct_size
        var v = celesta_events_info_t()
        v.struct_size = size
        v.layout = i.layout == .separate ? 0 : i.layout == .compound ? 1 : 2
        v.n_events = UInt64(i.count)
        withUnsafeMutableBytes(of: &v.format) { raw in
            let bytes = Array((i.format ?? "").utf8.prefix(raw.count - 1))
            raw.copyBytes(from: bytes)
            raw[bytes.count] = 0
        }
        v.has_sensor_size = i.sensorWidth != nil && i.sensorHeight != nil ? 1 : 0
        v.sensor_width = i.sensorWidth ?? 0
        v.sensor_height = i.sensorHeight ?? 0
        v.has_time_range = i.tStart != nil && i.tEnd != nil ? 1 : 0
        v.t_start = i.tStart ?? 0
        v.t_end = i.tEnd ?? 0
        v.gzip_level = Int32(i.gzipLevel ?? -1)
        v.chunk_length = UInt64(i.chunkLength ?? 0)
        out.pointee = v
    }
}

/// Reads events `start` to `start + count - 1` into the caller's columns `out` (struct_size
/// set). Errors: CELESTA_ERR_NULL_POINTER, CELESTA_ERR_OUT_OF_RANGE (past the end),
/// CELESTA_ERR_PARSE (a truncated or damaged chunk, naming the dataset and chunk),
/// CELESTA_ERR_CANCELLED (progress callback).
@_cdecl("celesta_events_reader_read")
public func celesta_events_reader_read(_ out: UnsafePointer<celesta_events_t>?, _ reader: celesta_events_reader_ref?, _ start: UInt64, _ count: UInt64) -> Int32 {
    guarded {
        let box = try object(reader, EventReaderBox.self, "reader")
        let c = try columns(out, "out", count: UInt(clamping: count))
        guard start <= UInt64(Int.max / 2), count <= UInt64(Int.max / 2) else {
            throw CelestaError(.outOfRange, "events \(start)+\(count) asked of a file of \(box.reader.count)")
        }
        try box.reader.read(start: Int(start), count: Int(count), into: c, progress: box.progress?.closure)
    }
}

/// The events with t_start <= t < t_end are `*first` to `*end - 1` (TALON's read_time_window:
/// two binary searches on t). Errors: CELESTA_ERR_NULL_POINTER, CELESTA_ERR_PARSE (the
/// timestamps are not ascending: the message names the event).
@_cdecl("celesta_events_reader_window")
public func celesta_events_reader_window(
    _ first: UnsafeMutablePointer<UInt64>?, _ end: UnsafeMutablePointer<UInt64>?, _ reader: celesta_events_reader_ref?,
    _ t_start: UInt64, _ t_end: UInt64
) -> Int32 {
    guarded {
        let first = try required(first, "first")
        let end = try required(end, "end")
        let range = try object(reader, EventReaderBox.self, "reader").reader.timeWindow(from: t_start, to: t_end)
        first.pointee = UInt64(range.lowerBound)
        end.pointee = UInt64(range.upperBound)
    }
}

/// Sets (or with `fn` NULL clears) the progress callback of celesta_events_reader_read().
@_cdecl("celesta_events_reader_set_progress")
public func celesta_events_reader_set_progress(_ reader: celesta_events_reader_ref?, _ fn: celesta_progress_fn?, _ user_data: UnsafeMutableRawPointer?) -> Int32 {
    setProgress(reader, EventReaderBox.self, "reader", fn, user_data)
}

/// Releases a reader (closing its file); NULL is ignored.
@_cdecl("celesta_events_reader_free")
public func celesta_events_reader_free(_ reader: celesta_events_reader_ref?) {
    releaseHandle(reader, EventReaderBox.self)
}
