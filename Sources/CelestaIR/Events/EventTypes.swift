/// Event camera data (DVS events) and their HDF5 files, as TALON's `talon.io.h5` reads and
/// writes them: per event a timestamp `t` (uint64, microseconds), coordinates `x`, `y`
/// (uint16) and a polarity `p` (uint8).

/// Where the events live in an HDF5 file (TALON's `H5Config`).
public struct EventFileConfig: Sendable, Equatable {
    /// The group holding the datasets ("" for the file root).
    public var eventsGroup: String
    public var timestampKey: String
    public var xKey: String
    public var yKey: String
    public var polarityKey: String
    /// The name of one compound dataset to read instead of separate datasets (nil: separate).
    public var compoundKey: String?

    public init(eventsGroup: String = "events", timestampKey: String = "t", xKey: String = "x", yKey: String = "y",
                polarityKey: String = "p", compoundKey: String? = nil) {
        self.eventsGroup = eventsGroup
        self.timestampKey = timestampKey
        self.xKey = xKey
        self.yKey = yKey
        self.polarityKey = polarityKey
        self.compoundKey = compoundKey
    }

    /// TALON's `DEFAULT_H5_CONFIG`.
    public static let standard = EventFileConfig()
    /// TALON's `COMPACT_H5_CONFIG`: a compound dataset "events" at the root (for reading;
    /// `EventFile.write` writes separate datasets at the root with it, as TALON does).
    public static let compact = EventFileConfig(eventsGroup: "", compoundKey: "events")

    /// The group path ("/" for the root).
    var groupPath: String { eventsGroup.isEmpty ? "/" : (eventsGroup.hasPrefix("/") ? eventsGroup : "/" + eventsGroup) }

    func datasetPath(_ name: String) -> String { groupPath == "/" ? "/" + name : groupPath + "/" + name }

    func check() throws(CelestaError) {
        for (field, value) in [("timestamp_key", timestampKey), ("x_key", xKey), ("y_key", yKey), ("polarity_key", polarityKey)] {
            guard !value.isEmpty, !value.contains("/"), !value.utf8.contains(0) else {
                throw CelestaError(.invalidArgument, "config field '\(field)' is '\(value)': a dataset name is not empty and has no '/'")
            }
        }
        guard !eventsGroup.utf8.contains(0) else { throw CelestaError(.invalidArgument, "config field 'events_group' holds a NUL byte") }
        let names = [timestampKey, xKey, yKey, polarityKey]
        guard Set(names).count == 4 else {
            throw CelestaError(.invalidArgument, "config fields timestamp_key, x_key, y_key and polarity_key must differ, got \(names)")
        }
    }
}

/// The event columns of the caller's memory: four arrays of `count` values, each with its own
/// stride in bytes (13 for the packed records of TALON's `EVENT_DTYPE`, the element size for
/// plain arrays). Read by writes, written by reads; never kept past the call.
public struct EventColumns: @unchecked Sendable {
    public var t: UnsafeMutableRawPointer?
    public var tStride: Int
    public var x: UnsafeMutableRawPointer?
    public var xStride: Int
    public var y: UnsafeMutableRawPointer?
    public var yStride: Int
    public var p: UnsafeMutableRawPointer?
    public var pStride: Int

    public init(t: UnsafeMutableRawPointer?, tStride: Int = 8, x: UnsafeMutableRawPointer?, xStride: Int = 2,
                y: UnsafeMutableRawPointer?, yStride: Int = 2, p: UnsafeMutableRawPointer?, pStride: Int = 1) {
        self.t = t; self.tStride = tStride
        self.x = x; self.xStride = xStride
        self.y = y; self.yStride = yStride
        self.p = p; self.pStride = pStride
    }

    /// Packed 13-byte records {t, x, y, p} (TALON's `EVENT_DTYPE`) at `records`.
    public init(records: UnsafeMutableRawPointer) {
        self.init(t: records, tStride: 13, x: records + 8, xStride: 13, y: records + 10, yStride: 13, p: records + 12, pStride: 13)
    }

    /// Column `k` (0 t, 1 x, 2 y, 3 p) as (pointer, stride).
    func column(_ k: Int) -> (UnsafeMutableRawPointer?, Int) {
        switch k {
        case 0: return (t, tStride)
        case 1: return (x, xStride)
        case 2: return (y, yStride)
        default: return (p, pStride)
        }
    }

    /// Refuses NULL columns (with events) and strides below the element size, naming the field.
    func check(count: Int) throws(CelestaError) {
        guard count > 0 else { return }
        for k in 0..<4 {
            let (pointer, stride) = column(k)
            let name = EventColumn.names[k]
            guard pointer != nil else { throw CelestaError(.nullPointer, "events field '\(name)' is NULL but there are \(count) events") }
            guard stride >= EventColumn.sizes[k] else {
                throw CelestaError(.invalidArgument, "events field '\(name)_stride' is \(stride), below the element size \(EventColumn.sizes[k])")
            }
        }
    }
}

/// Events held in four Swift arrays.
public struct EventArrays: Sendable, Equatable {
    public var t: [UInt64]
    public var x: [UInt16]
    public var y: [UInt16]
    public var p: [UInt8]

    public init(t: [UInt64] = [], x: [UInt16] = [], y: [UInt16] = [], p: [UInt8] = []) {
        self.t = t; self.x = x; self.y = y; self.p = p
    }

    /// An array of `count` zero events.
    public init(zeros count: Int) {
        self.init(t: .init(repeating: 0, count: count), x: .init(repeating: 0, count: count),
                  y: .init(repeating: 0, count: count), p: .init(repeating: 0, count: count))
    }

    public var count: Int { t.count }

    /// Calls `body` with the columns of these arrays (which must all hold `count` values).
    public mutating func withColumns<R>(_ body: (EventColumns) throws(CelestaError) -> R) throws(CelestaError) -> R {
        guard x.count == t.count, y.count == t.count, p.count == t.count else {
            throw CelestaError(.shapeMismatch, "the event columns have different lengths: t \(t.count), x \(x.count), y \(y.count), p \(p.count)")
        }
        return try keepingErrorType {
            try t.withUnsafeMutableBytes { t in
                try x.withUnsafeMutableBytes { x in
                    try y.withUnsafeMutableBytes { y in
                        try p.withUnsafeMutableBytes { p in
                            try body(EventColumns(t: t.baseAddress, x: x.baseAddress, y: y.baseAddress, p: p.baseAddress))
                        }
                    }
                }
            }
        }
    }

    /// `count` events as `generate_random_events` makes them: sorted uniform timestamps in
    /// [0, duration), uniform coordinates inside the sensor, uniform polarity (drawn from
    /// `generator`; TALON draws from numpy's global legacy generator, so values differ).
    public static func random(count: Int, sensorWidth: Int, sensorHeight: Int, durationMicroseconds: UInt64, seed: UInt64) -> EventArrays {
        var rng = PCG64(entropy: SeedSequence.words(of: seed))
        func below(_ n: UInt64) -> UInt64 { n <= 1 ? 0 : rng.next() % n }
        var e = EventArrays(zeros: count)
        for i in 0..<count {
            e.t[i] = below(durationMicroseconds)
            e.x[i] = UInt16(truncatingIfNeeded: below(UInt64(max(1, sensorWidth))))
            e.y[i] = UInt16(truncatingIfNeeded: below(UInt64(max(1, sensorHeight))))
            e.p[i] = UInt8(below(2))
        }
        e.t.sort()
        return e
    }
}

/// The four event columns: names and element sizes.
enum EventColumn {
    static let names = ["t", "x", "y", "p"]
    static let sizes = [8, 2, 2, 1]
}

/// How the events of a file are stored (TALON's layout detection).
public enum EventLayout: String, Sendable {
    /// Four 1-D datasets t, x, y, p (TALON's own files).
    case separate
    /// One compound dataset named by the config's `compoundKey`.
    case compound
    /// A compound dataset named "events" in the group.
    case compoundFallback = "compound_fallback"
}

/// What `EventFileReader` found in a file.
public struct EventFileInfo: Sendable, Equatable {
    public var count: Int
    public var layout: EventLayout
    /// The group's `format` attribute ("t1c_events_v1" in TALON's files), if any.
    public var format: String?
    public var sensorWidth: Int64?
    public var sensorHeight: Int64?
    public var tStart: Int64?
    public var tEnd: Int64?
    /// Whether the datasets are gzip-compressed, and their chunk length (nil: not chunked).
    public var gzipLevel: Int?
    public var chunkLength: Int?
}
