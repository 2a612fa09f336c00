import ArgumentParser
import CelestaIR
import CelestaXylo
import CelestaHDK

/// `celesta hdk ...`: dev kits, physical or virtual.
struct HDKCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "hdk",
        abstract: "List dev kits and run configurations on them (a board over USB or a virtual kit).",
        discussion: """
            Boards are found on USB by their vendor/product ids (add ids with \
            CELESTA_HDK_USB_IDS=VID:PID=CHIP,...). --virtual CHIP uses a virtual kit instead: \
            the chip's registers and memory with the bit-exact simulator behind them, and a \
            modelled (not measured) power per rail.
            """,
        subcommands: [HDKListCommand.self, HDKRunCommand.self, HDKPowerCommand.self, HDKMonitorCommand.self]
    )
}

/// Options choosing a kit.
struct KitOptions: ParsableArguments {
    @Option(help: "Use a virtual kit of this chip (xa2, xa3, syns61201, syns65302).")
    var virtual: String?

    @Option(help: "USB location of the board (usb:BUS:ADDRESS from `celesta hdk list`); default: the first board.")
    var device: String?

    @Option(help: "Timeout of each call on the kit, in milliseconds.")
    var timeoutMs = 5000

    func open() throws -> XyloHDK {
        guard timeoutMs > 0 else { throw CelestaError(.outOfRange, "--timeout-ms is \(timeoutMs); it must be > 0") }
        let location = try HDKLocation(virtual: virtual, device: device, both: "give --virtual or --device, not both")
        return try XyloHDK(transport: location.open(timeout: .milliseconds(timeoutMs), hints: HDKLocation.Hints(
            noBoard: "; use --virtual CHIP for a virtual kit", unknownLocation: " (see `celesta hdk list`)")))
    }
}

/// `celesta hdk list`.
struct HDKListCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "list", abstract: "List the dev kits on USB, and virtual kits when asked.")

    @Option(help: "Also list virtual kits of these chips (comma-separated).")
    var virtual: String?

    @Flag(help: "Print JSON.")
    var json = false

    func run() throws {
        let found = try HDKDiscovery().find(virtual: ChipTable.names(inList: virtual ?? ""))
        if json {
            print(JSONText.array(found.map { opener in
                let i = opener.info
                return JSONText.object([
                    ("kind", JSONText.quote(i.kind.rawValue)), ("chip", JSONText.quote(i.chipID)),
                    ("name", JSONText.quote(i.name)), ("location", JSONText.quote(i.location)),
                ])
            }, indent: ""))
            return
        }
        if found.isEmpty { print("no dev kits found (use --virtual xa3 for a virtual one)") }
        for opener in found {
            let i = opener.info
            print("\(i.location)\t\(i.chipID)\t\(i.name)")
        }
    }
}

/// Shared input of `run` and `power`: a configuration and a raster.
struct RunInput: ParsableArguments {
    @Option(help: "Configuration JSON file.")
    var config: String

    @Option(help: "Input raster: .npy or .json, shape [T, n_in].")
    var input: String

    @Option(help: "Time step in seconds.")
    var dt = 1e-3

    @Option(help: "Core clock in MHz (the kit rounds to what it can run).")
    var clock: Double?

    @Flag(help: "Never show the progress bar.")
    var quiet = false

    /// Opens the kit, applies the configuration and runs the raster.
    func run(on kit: KitOptions, record: Bool, power: Bool)
        throws -> (XyloHDK, XyloConfig, Int, XyloSimulationResult, [HDKPowerSample])
    {
        let (cfg, _) = try loadConfig(config)
        let raster = try XyloSimCommand.readRaster(input)
        guard raster.shape.count == 2, raster.shape[1] == cfg.nIn else {
            throw CelestaError(.shapeMismatch, "input '\(input)' has shape \(raster.shape) but the network needs [T, \(cfg.nIn)]")
        }
        let hdk = try kit.open()
        if let clock { try hdk.setClock(megahertz: clock) }
        try hdk.apply(cfg, dt: dt)
        let steps = raster.shape[0]
        let bar = ProgressBar(total: steps, label: "running on \(hdk.device.name)", enabled: !quiet && steps >= 2000)
        defer { bar.finish() }  // also when cancelled
        CtrlC.begin()
        defer { CtrlC.end() }
        let run = try hdk.evolve(input: raster.values, steps: steps, record: record, recordPower: power) { done in
            bar.update(done)
            return !CtrlC.requested
        }
        return (hdk, cfg, steps, run.result, run.power)
    }
}

/// `celesta hdk run`.
struct HDKRunCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "run",
        abstract: "Apply a configuration to a kit and run an input raster in accelerated time.",
        discussion: "Prints output spike counts, the clock and the minimum real-time clock; --output writes [T, n_out] spikes as .npy.")

    @OptionGroup var kit: KitOptions
    @OptionGroup var input: RunInput

    @Option(help: "Write the output spikes [T, n_out] to this .npy file.")
    var output: String?

    @Flag(help: "Print JSON.")
    var json = false

    func run() throws {
        let (hdk, cfg, steps, result, _) = try input.run(on: kit, record: false, power: false)
        if let output { try AtomicFile.write(NPY.encodeInt32(result.spikesOut, shape: [steps, cfg.nOut]), to: output) }
        var counts = [Int](repeating: 0, count: cfg.nOut)
        for t in 0..<steps { for k in 0..<cfg.nOut where result.spikesOut[t * cfg.nOut + k] != 0 { counts[k] += 1 } }
        let clock = try hdk.transport.clock()
        let needed = try? hdk.minimumClock()
        if json {
            print(JSONText.object([
                ("device", JSONText.quote(hdk.device.name)), ("location", JSONText.quote(hdk.device.location)),
                ("chip", JSONText.quote(hdk.chip.id)), ("steps", "\(steps)"),
                ("output_spike_counts", "[" + counts.map(String.init).joined(separator: ",") + "]"),
                ("clock_hz", JSONText.number(clock)), ("min_clock_hz", needed.map(JSONText.number) ?? "null"),
            ]))
            return
        }
        print("\(hdk.device.name) (\(hdk.device.location)): \(steps) steps of \(input.dt) s")
        print("output spikes per neuron: " + counts.map(String.init).joined(separator: " "))
        print("clock: \(clock / 1e6) MHz" + (needed.map { "; real time needs >= \(($0 / 1e6 * 1000).rounded() / 1000) MHz (20 % margin)" } ?? ""))
    }
}

/// `celesta hdk power`.
struct HDKPowerCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "power",
        abstract: "Run an input raster with the power monitor on and print the power per rail.",
        discussion: "On a virtual kit the power is a model (XyloPowerModel), not a measurement.")

    @OptionGroup var kit: KitOptions
    @OptionGroup var input: RunInput

    @Flag(help: "Print JSON (every sample).")
    var json = false

    func run() throws {
        let (hdk, _, steps, _, power) = try input.run(on: kit, record: false, power: true)
        let rails = hdk.transport.powerRails
        var mean = [Double](repeating: 0, count: rails.count)
        for s in power { for r in 0..<min(rails.count, s.watts.count) { mean[r] += s.watts[r] / Double(max(power.count, 1)) } }
        let label = hdk.device.kind == .virtual ? "modelled" : "measured"
        if json {
            print(JSONText.object([
                ("device", JSONText.quote(hdk.device.name)), ("kind", JSONText.quote(label)),
                ("rails", JSONText.array(rails.map(JSONText.quote), indent: "")),
                ("mean_watts", "[" + mean.map(JSONText.number).joined(separator: ",") + "]"),
                ("samples", JSONText.array(power.map { s in
                    "[" + ([s.time] + s.watts).map(JSONText.number).joined(separator: ",") + "]"
                }, indent: "")),
            ]))
            return
        }
        print("\(hdk.device.name): \(steps) steps, \(power.count) power samples (\(label))")
        guard !power.isEmpty else {
            print("the run was shorter than one power-monitor period; run more steps")
            return
        }
        for (r, name) in rails.enumerated() {
            print("  \(name)_power: \((mean[r] * 1e7).rounded() / 10) uW")
        }
        print("  total: \((mean.reduce(0, +) * 1e7).rounded() / 10) uW")
    }
}

/// `celesta hdk monitor`: the network running free on a Xylo Audio 3 kit's audio front end.
struct HDKMonitorCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "monitor",
        abstract: "Apply a configuration to a Xylo Audio 3 kit and run a WAV file through its front end and the network in real time.",
        discussion: """
            On a virtual kit the WAV file is the microphone: resampled to 48828.125 Hz by linear \
            interpolation, quantized to 14 bits, fed through the bit-exact front end (Rockpool's \
            default settings, zero initial state) into the network, one time step per 50 \
            samples (1.024 ms). Prints the output class per window (the output neuron with \
            most spikes, '-' for none), the minimum real-time clock, the steps that missed \
            their deadline at the kit's clock and the power per rail (modelled on a virtual kit).
            """)

    @OptionGroup var kit: KitOptions

    @Option(help: "Configuration JSON file (Xylo Audio 3).")
    var config: String

    @Option(help: "Audio WAV file (PCM or float; several channels are averaged).")
    var audio: String

    @Option(help: "Time steps per classification window.")
    var window = 100

    @Option(help: "Core clock in MHz (the kit's default is 50).")
    var clock: Double?

    @Flag(help: "Print JSON.")
    var json = false

    @Flag(help: "Never show the progress bar.")
    var quiet = false

    func run() throws {
        guard window > 0 else { throw CelestaError(.outOfRange, "--window is \(window); it must be > 0") }
        let (cfg, _) = try loadConfig(config)
        let wav = try WAVFile.read(audio)
        let rate = XyloAudio3FrontEnd.audioSampleRate
        let samples = try XyloAudio3FrontEnd.quantize14(try AudioResampling.linear(try wav.mono(), from: wav.sampleRate, to: rate))
        let frontEnd = try XyloAudio3FrontEndSettings().parameters()
        let hdk = try kit.open()
        if let clock { try hdk.setClock(megahertz: clock) }
        let dt = Double(frontEnd.rasterDownSamplingFactor) / rate
        try hdk.apply(cfg, dt: dt)
        let bar = ProgressBar(total: samples.count, label: "monitoring on \(hdk.device.name)", enabled: !quiet && samples.count >= 200_000)
        defer { bar.finish() }  // also when cancelled
        CtrlC.begin()
        defer { CtrlC.end() }
        let run = try hdk.monitor(audio: samples, frontEnd: frontEnd, recordPower: true) { fed in
            bar.update(fed)
            return !CtrlC.requested
        }
        let steps = run.result.steps, nOut = cfg.nOut
        var classes: [String] = []
        for start in stride(from: 0, to: steps, by: window) {
            var counts = [Int](repeating: 0, count: nOut)
            for t in start..<min(steps, start + window) {
                for k in 0..<nOut where run.result.spikesOut[t * nOut + k] != 0 { counts[k] += 1 }
            }
            let best = counts.max() ?? 0
            classes.append(best == 0 ? "-" : String(counts.firstIndex(of: best) ?? 0))
        }
        let needed = try hdk.minimumClock()
        let clockHz = try hdk.transport.clock()
        let rails = hdk.transport.powerRails
        var mean = [Double](repeating: 0, count: rails.count)
        for s in run.power { for r in 0..<min(rails.count, s.watts.count) { mean[r] += s.watts[r] / Double(run.power.count) } }
        let label = hdk.device.kind == .virtual ? "modelled" : "measured"
        if json {
            print(JSONText.object([
                ("device", JSONText.quote(hdk.device.name)), ("steps", "\(steps)"), ("dt", JSONText.number(dt)),
                ("classes", "[" + classes.map(JSONText.quote).joined(separator: ",") + "]"),
                ("clock_hz", JSONText.number(clockHz)), ("min_clock_hz", JSONText.number(needed)),
                ("overruns", "\(run.overruns.count)"), ("power_kind", JSONText.quote(label)),
                ("rails", "[" + rails.map(JSONText.quote).joined(separator: ",") + "]"),
                ("mean_watts", "[" + mean.map(JSONText.number).joined(separator: ",") + "]"),
            ]))
            return
        }
        print("\(hdk.device.name): \(steps) steps of \((dt * 1e6).rounded() / 1000) ms from \(audio) (\(wav.sampleRate) Hz)")
        print("  output class per \(window)-step window: " + classes.joined(separator: " "))
        print("  clock \(clockHz / 1e6) MHz; real time needs >= \((needed / 1e3).rounded() / 1e3) MHz (20 % margin); "
              + "\(run.overruns.count) steps missed their deadline")
        print("  power per rail (\(label), mean of \(run.power.count) samples):"
              + zip(rails, mean).map { " \($0.0) \(($0.1 * 1e7).rounded() / 10) uW" }.joined(separator: ","))
    }
}
