import ArgumentParser
import CelestaIR

/// `celesta events info|convert|window FILE.h5`: event camera files in TALON's HDF5 layout.
struct EventsCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "events",
        abstract: "Inspect, convert and cut event files (TALON's HDF5 layout: t, x, y, p).",
        subcommands: [Info.self, Convert.self, Window.self]
    )

    /// Where the events are in a file (TALON's H5Config).
    struct Layout: ParsableArguments {
        @Option(help: "The group holding the events (\"\" for the file root).")
        var group = "events"

        @Option(help: "A compound dataset to read instead of separate t, x, y, p datasets.")
        var compound: String?

        var config: EventFileConfig { EventFileConfig(eventsGroup: group, compoundKey: compound) }
    }

    static func progressBar(_ label: String, total: Int, quiet: Bool) -> (ProgressBar, (Int, Int) -> Bool) {
        let bar = ProgressBar(total: 1000, label: label, enabled: !quiet && total >= 2_000_000)
        return (bar, { done, total in
            bar.update(done * 1000 / max(total, 1))
            return !CtrlC.requested
        })
    }

    struct Info: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Show what an event file holds.")

        @Argument(help: "The event file (.h5).")
        var file: String

        @OptionGroup var layout: Layout

        @Flag(help: "Also read every timestamp and say whether they are ascending.")
        var checkSorted = false

        @Flag(help: "Print JSON.")
        var json = false

        func run() throws {
            CtrlC.begin()
            defer { CtrlC.end() }
            let reader = try EventFileReader(path: file, config: layout.config)
            let i = reader.info
            let sorted = checkSorted ? try reader.timestampsSorted() : nil
            if json {
                func opt(_ v: Int64?) -> String { v.map { "\($0)" } ?? "null" }
                print(JSONText.object([
                    ("file", JSONText.quote(file)), ("layout", JSONText.quote(i.layout.rawValue)),
                    ("n_events", "\(i.count)"), ("format", i.format.map(JSONText.quote) ?? "null"),
                    ("sensor_width", opt(i.sensorWidth)), ("sensor_height", opt(i.sensorHeight)),
                    ("t_start", opt(i.tStart)), ("t_end", opt(i.tEnd)),
                    ("gzip_level", i.gzipLevel.map { "\($0)" } ?? "null"),
                    ("chunk_length", i.chunkLength.map { "\($0)" } ?? "null"),
                    ("sorted", sorted.map { $0 ? "true" : "false" } ?? "null"),
                ]))
                return
            }
            print("\(file): \(i.count) events, layout \(i.layout.rawValue)" + (i.format.map { ", format \($0)" } ?? ""))
            if let w = i.sensorWidth, let h = i.sensorHeight { print("sensor: \(w) x \(h)") }
            if let a = i.tStart, let b = i.tEnd { print("time: \(a) ... \(b) us") }
            print("storage: " + (i.chunkLength.map { "chunks of \($0)" } ?? "not chunked") + (i.gzipLevel.map { ", gzip level \($0)" } ?? ", uncompressed"))
            if let sorted { print("timestamps: " + (sorted ? "ascending" : "NOT ascending (time windows need ascending timestamps)")) }
        }
    }

    struct Convert: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Rewrite an event file (any layout TALON reads) in TALON's write_h5 layout."
        )

        @Argument(help: "The input event file.")
        var input: String

        @Argument(help: "The output event file (written atomically).")
        var output: String

        @OptionGroup var layout: Layout

        @Option(help: "The output's group (\"\" for the file root).")
        var outputGroup = "events"

        @Option(help: "The gzip level of the output (0-9).")
        var level = 4

        @Flag(help: "Write uncompressed chunks.")
        var uncompressed = false

        @Flag(help: "Never show the progress bar.")
        var quiet = false

        func run() throws {
            CtrlC.begin()
            defer { CtrlC.end() }
            guard (0...9).contains(level) else { throw CelestaError(.outOfRange, "--level \(level) is not a gzip level (0-9)") }
            let reader = try EventFileReader(path: input, config: layout.config)
            let n = reader.count
            var events = EventArrays(zeros: n)
            do {
                let (bar, progress) = EventsCommand.progressBar("reading", total: n, quiet: quiet)
                defer { bar.finish() }
                try events.withColumns { c throws(CelestaError) in try reader.read(start: 0, count: n, into: c, progress: progress) }
            }
            let sensor = reader.info.sensorWidth.flatMap { w in reader.info.sensorHeight.map { (w, $0) } }
            let (bar, progress) = EventsCommand.progressBar("writing", total: n, quiet: quiet)
            defer { bar.finish() }
            try events.withColumns { c throws(CelestaError) in
                try EventFile.write(path: output, columns: c, count: n, config: EventFileConfig(eventsGroup: outputGroup),
                                    sensorSize: sensor, gzipLevel: uncompressed ? nil : level, progress: progress)
            }
            print("\(output): \(n) events (\(uncompressed ? "uncompressed" : "gzip level \(level)"))")
        }
    }

    struct Window: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "The events with START <= t < END (binary search; timestamps must be ascending)."
        )

        @Argument(help: "The event file.")
        var file: String

        @Option(help: "The window's first timestamp (microseconds, inclusive).")
        var start: UInt64

        @Option(help: "The window's end (microseconds, exclusive).")
        var end: UInt64

        @OptionGroup var layout: Layout

        @Option(name: .shortAndLong, help: "Write the window's events to this file (TALON's write_h5 layout).")
        var output: String?

        @Flag(help: "Print JSON.")
        var json = false

        func run() throws {
            CtrlC.begin()
            defer { CtrlC.end() }
            guard start <= end else { throw CelestaError(.invalidArgument, "--start \(start) is after --end \(end)") }
            let reader = try EventFileReader(path: file, config: layout.config)
            let range = try reader.timeWindow(from: start, to: end)
            var events = try reader.read(start: range.lowerBound, count: range.count)
            if let output {
                let sensor = reader.info.sensorWidth.flatMap { w in reader.info.sensorHeight.map { (w, $0) } }
                let n = events.count
                try events.withColumns { c throws(CelestaError) in
                    try EventFile.write(path: output, columns: c, count: n, sensorSize: sensor)
                }
            }
            if json {
                print(JSONText.object([
                    ("file", JSONText.quote(file)), ("t_start", "\(start)"), ("t_end", "\(end)"),
                    ("index_start", "\(range.lowerBound)"), ("index_end", "\(range.upperBound)"), ("n", "\(range.count)"),
                    ("first_t", events.t.first.map { "\($0)" } ?? "null"), ("last_t", events.t.last.map { "\($0)" } ?? "null"),
                    ("output", output.map(JSONText.quote) ?? "null"),
                ]))
                return
            }
            print("\(range.count) events in [\(start), \(end)) us: indices \(range.lowerBound)..<\(range.upperBound)"
                  + (events.t.first.map { ", t \($0) ... \(events.t.last!)" } ?? "")
                  + (output.map { ", written to \($0)" } ?? ""))
        }
    }
}
