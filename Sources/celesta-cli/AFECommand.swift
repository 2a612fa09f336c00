import ArgumentParser
import CelestaIR
import CelestaXylo
import FoundationEssentials

/// `celesta afe IN.wav --output OUT.npy`: an audio file through a chip's audio front end.
struct AFECommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "afe",
        abstract: "Run a WAV file through a Xylo audio front end into a spike raster (.npy).",
        discussion: """
            WAV input: PCM 16/24/32-bit integers or 32-bit floats; several channels are mixed \
            down to their mean unless --channel picks one. Integer samples are scaled to [-1, 1) \
            (full scale = 1.0), then multiplied by --scale.

            xa3 (Xylo Audio 3, bit-exact): the audio is resampled to 48828.125 Hz by linear \
            interpolation when its rate differs (as Rockpool's ResampleAudio), quantized to 14 \
            bits (|x * scale| must stay below 1) and run offline with Rockpool's time-reversed \
            prefix (--no-prefix: zero state, like the chip). The raster is [T, 16] spike counts \
            per 1.024 ms step.

            xa2 (Xylo Audio 2): a floating-point model of the analog front end with noise, \
            offset and mismatch off. It needs at least 101640 Hz; lower rates are resampled \
            (linearly) to 110 kHz. The raster is [T, 16] per 10 ms.

            The raster is written atomically as int32 .npy. Ctrl-C cancels the run (exit 14) \
            and writes nothing.
            """)

    @Argument(help: "Input WAV file.")
    var input: String

    @Option(help: "Write the spike raster [T, 16] to this .npy file.")
    var output: String?

    @Option(help: "Chip: xa3 (default) or xa2, or their ids.")
    var chip = "xa3"

    @Option(help: "Use only this channel of the WAV file (0-based) instead of the mixdown.")
    var channel: Int?

    @Option(help: "Multiply the samples by this factor before the front end.")
    var scale = 1.0

    @Flag(help: "xa3: start from zero state instead of Rockpool's time-reversed prefix.")
    var noPrefix = false

    @Option(help: "Refuse to upsample the audio by more than this ratio (bounded work).")
    var maxResampleRatio = AudioResampling.Limits().maxRatio

    @Option(help: "Refuse audio that resamples to more than this many samples (bounded work).")
    var maxSamples = AudioResampling.Limits().maxSamples

    @Flag(help: "Print a JSON summary.")
    var json = false

    @Flag(help: "Never show the progress bar.")
    var quiet = false

    func run() throws {
        // Ctrl-C from the start (also while the file is read) cancels at the first progress report.
        CtrlC.begin()
        defer { CtrlC.end() }
        let chipSpec = try ChipTable.chip(named: chip)
        guard chipSpec.frontEnd != .none else {
            throw CelestaError(.unsupported, "chip '\(chip)' (\(chipSpec.id)) has no audio front end; use xa3 or xa2")
        }
        guard scale.isFinite else { throw CelestaError(.invalidArgument, "--scale \(scale) must be finite") }
        let wav = try WAVFile.read(input)
        var samples = try wav.mono(channel: channel)
        if scale != 1 { samples = samples.map { $0 * scale } }
        let bar = ProgressBar(total: 1000, label: "front end", enabled: !quiet && samples.count >= 200_000)
        let progress: (Int, Int) -> Bool = { done, total in
            bar.update(done * 1000 / max(total, 1))
            return !CtrlC.requested
        }
        defer { bar.finish() }  // also when cancelled
        let limits = AudioResampling.Limits(maxRatio: maxResampleRatio, maxSamples: maxSamples)
        let rate: Double, steps: Int, dt: Double, raster: [Int32]
        switch chipSpec.frontEnd {
        case .digital:
            rate = XyloAudio3FrontEnd.audioSampleRate
            let audio = try AudioResampling.linear(samples, from: wav.sampleRate, to: rate, limits: limits)
            let afe = try XyloAudio3FrontEndSimulator(settings: XyloAudio3FrontEndSettings())
            let out = try afe.offline(audio, timeReversedPrefix: !noPrefix, progress: progress)
            (steps, raster) = (out.steps, out.raster)
            dt = Double(afe.parameters.rasterDownSamplingFactor) / rate
        case .analogModel, .none:
            rate = wav.sampleRate >= 101_640 ? wav.sampleRate : 110_000
            let audio = try AudioResampling.linear(samples, from: wav.sampleRate, to: rate, limits: limits)
            var settings = XyloAudio2AnalogFrontEnd.Settings(fs: rate)
            (settings.addNoise, settings.addOffset, settings.addMismatch) = (false, false, false)
            settings.rasterPeriod = (0.01 * rate).rounded() / rate
            let afe = try XyloAudio2AnalogFrontEnd(settings: settings)
            let out = try afe.process(audio, progress: progress)
            raster = afe.raster(out.spikes)
            steps = raster.count / 16
            dt = settings.rasterPeriod
        }
        if let output {
            try AtomicFile.write(NPY.encodeInt32(raster, shape: [steps, 16]), to: output)
        }
        var perChannel = [Int](repeating: 0, count: 16)
        for (i, v) in raster.enumerated() { perChannel[i % 16] += Int(v) }
        let seconds = Double(wav.frames) / wav.sampleRate
        if json {
            print(JSONText.object([
                ("chip", JSONText.quote(chipSpec.id)), ("input", JSONText.quote(input)),
                ("sample_rate", "\(wav.sampleRate)"), ("channels_in_file", "\(wav.channels)"),
                ("duration_s", "\(seconds)"), ("front_end_rate", "\(rate)"),
                ("resampled", wav.sampleRate != rate ? "true" : "false"),
                ("time_reversed_prefix", chipSpec.frontEnd == .digital && !noPrefix ? "true" : "false"),
                ("steps", "\(steps)"), ("channels", "16"), ("dt", "\(dt)"),
                ("spikes_total", "\(perChannel.reduce(0, +))"),
                ("spikes_per_channel", "[" + perChannel.map(String.init).joined(separator: ", ") + "]"),
                ("output", output.map(JSONText.quote) ?? "null"),
            ]))
            return
        }
        print("\(chipSpec.name) (\(chipSpec.id)) front end: \(input), \((seconds * 1000).rounded() / 1000) s at \(Int(wav.sampleRate)) Hz"
              + (wav.sampleRate != rate ? ", resampled to \(rate) Hz" : ""))
        print("raster: \(steps) steps x 16 channels, dt \(dt * 1000) ms, \(perChannel.reduce(0, +)) spikes"
              + (output.map { ", written to \($0)" } ?? ""))
        print("spikes per channel: " + perChannel.map(String.init).joined(separator: " "))
    }
}
