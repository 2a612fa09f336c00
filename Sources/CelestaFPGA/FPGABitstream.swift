import CelestaIR
import FoundationEssentials

/// TALON's `BitstreamConfig`: which steps of the HLS flow the project's scripts run (README
/// §18). Defaults are TALON's.
public struct BitstreamConfig: Sendable, Equatable {
    public var csim = false
    public var synth = true
    public var cosim = false
    public var export = true
    public var vsynth = true
    public var bitfile = true
    public init(csim: Bool = false, synth: Bool = true, cosim: Bool = false, export: Bool = true, vsynth: Bool = true, bitfile: Bool = true) {
        (self.csim, self.synth, self.cosim, self.export, self.vsynth, self.bitfile) = (csim, synth, cosim, export, vsynth, bitfile)
    }

    /// `{csim, synth, cosim, export, vsynth, bitfile}` as booleans, in that order.
    public var value: IRValue {
        .dict(["csim": .bool(csim), "synth": .bool(synth), "cosim": .bool(cosim), "export": .bool(export), "vsynth": .bool(vsynth),
               "bitfile": .bool(bitfile)])
    }

    /// From such a dict; a missing flag or one that is not a bool: `.invalidArgument`.
    public init(_ flags: IRDict) throws {
        var b: [Bool] = []
        for key in FPGABackend.bitstreamFlags {
            guard case .bool(let v)? = flags[key] else {
                throw CelestaError(.invalidArgument, "fpga compile: 'bitstream' must give '\(key)' as true or false (flags: \(FPGABackend.bitstreamFlags.joined(separator: ", ")))")
            }
            b.append(v)
        }
        self.init(csim: b[0], synth: b[1], cosim: b[2], export: b[3], vsynth: b[4], bitfile: b[5])
    }
}

/// What `build_bitstream` gives (TALON's dict, README §18).
public struct BitstreamResult: Sendable {
    public var hls4mlConfig: IRDict
    public var parametersH: String
    public var buildScript: String
    public var tclScript: String
    public var templatePaths: [String]
    public var descriptor: BackendDescriptor
    /// The files as written (`output_dir` joined with each path, as Python's `os.path.join`);
    /// nil when nothing was written.
    public var writtenFiles: [String]?
    /// The project's files, relative to `output_dir`, in the order they are written.
    public var files: [(path: String, text: String)]

    /// TALON's keys in TALON's order: hls4ml_config, parameters_h, build_script, tcl_script,
    /// template_paths, descriptor, and written_files when the files were written.
    public var value: IRValue {
        var d: IRDict = [
            "hls4ml_config": .dict(hls4mlConfig), "parameters_h": .string(parametersH), "build_script": .string(buildScript),
            "tcl_script": .string(tclScript), "template_paths": .list(templatePaths.map(IRValue.string)), "descriptor": descriptor.value,
        ]
        if let writtenFiles { d["written_files"] = .list(writtenFiles.map(IRValue.string)) }
        return .dict(d)
    }
}

extension FPGABackend {
    /// The execution order of the compile and the project: topological (node order when cyclic).
    static func executionOrder(_ graph: IRGraph) -> [String] { graph.topologicalOrder ?? graph.nodeNames }

    /// The project files of a compile's hls4ml configuration, in TALON's order:
    /// `firmware/parameters.h` (TALON's bytes), the four neuron headers (Celesta's kernels),
    /// `build.py`, `build_prj.tcl` (Celesta's) and `hls4ml_config.json` (TALON's bytes).
    static func bitstreamFiles(_ graph: IRGraph, config: IRDict, flags: BitstreamConfig) -> [(path: String, text: String)] {
        guard case .dict(let hls)? = config["HLSConfig"], case .dict(let model)? = hls["Model"] else { return [] }
        let parameters = TalonHLSText.parameters(
            graph, order: executionOrder(graph), defaultPrecision: model["Precision"]?.string ?? "ap_fixed<16,6>",
            defaultReuse: model["ReuseFactor"]?.int ?? 1, ioType: config["IOType"]?.string ?? "io_stream")
        let s = BitstreamScripts.Settings(config: config, flags: flags)
        return [("firmware/parameters.h", parameters)] + BitstreamTemplates.all
            + [("build.py", BitstreamScripts.buildPy(s)), ("build_prj.tcl", BitstreamScripts.tcl(s)),
               ("hls4ml_config.json", TalonHLSText.configJSON(config))]
    }

    /// Python's `os.path.join(dir, path)` for a relative `path`.
    static func joined(_ dir: String, _ path: String) -> String {
        dir.isEmpty || dir.hasSuffix("/") ? dir + path : dir + "/" + path
    }

    /// TALON's `build_bitstream` (README §18): `compile` with the `bitstream` setting (TALON's
    /// default flags when it is none), then the project: `parameters.h` and
    /// `hls4ml_config.json` as TALON writes them, Celesta's own four neuron headers, `build.py`
    /// and `build_prj.tcl`. `writeToDisk`: the files are written under the `output_dir`
    /// setting, atomically (a temporary folder next to it, renamed): a folder that is not empty
    /// is refused unless `overwrite` (which replaces it as a whole); `talonCompatible` writes
    /// into an existing folder as TALON does, keeping the files it does not write (each file
    /// written atomically). Errors: compile's, `.invalidArgument` (an empty `output_dir`, a
    /// folder that is not empty), `.io`.
    public func buildBitstream(_ graph: IRGraph, options: BackendCompileOptions, writeToDisk: Bool = false, overwrite: Bool = false,
                               talonCompatible: Bool = false) throws -> BitstreamResult {
        var o = options
        if (o.settings["bitstream"] ?? IRValue.none) == IRValue.none { o.settings["bitstream"] = BitstreamConfig().value }
        let d = try compile(graph, options: o)
        guard case .dict(let config)? = d.metadata["hls4ml_config"], case .dict(let bit)? = d.metadata["bitstream"],
              case .dict(let flagValues)? = bit["config"] else {
            throw CelestaError(.internalError, "fpga build_bitstream: the compile gave no configuration")
        }
        let files = Self.bitstreamFiles(graph, config: config, flags: try BitstreamConfig(flagValues))
        func text(_ path: String) -> String { files.first { $0.path == path }?.text ?? "" }
        var result = BitstreamResult(
            hls4mlConfig: config, parametersH: text("firmware/parameters.h"), buildScript: text("build.py"), tclScript: text("build_prj.tcl"),
            templatePaths: Self.templatePaths, descriptor: d, writtenFiles: nil, files: files)
        if writeToDisk {
            let dir = config["OutputDir"]?.string ?? ""
            guard !dir.isEmpty else {
                throw CelestaError(.invalidArgument, "fpga build_bitstream: 'output_dir' is empty; name the folder to write the project into")
            }
            if talonCompatible {
                try Self.writeInto(dir, files)
            } else {
                try ProjectFolder.write(files, to: dir, overwrite: overwrite, executable: ["build.py"])
            }
            result.writtenFiles = files.map { Self.joined(dir, $0.path) }
        }
        return result
    }

    /// TALON's way: into the folder (made if missing), other files kept; each file atomically.
    static func writeInto(_ dir: String, _ files: [(path: String, text: String)]) throws {
        for (path, text) in files {
            let full = joined(dir, path)
            do {
                try FileManager.default.createDirectory(atPath: NSStringLite(s: full).deletingLastPathComponent, withIntermediateDirectories: true)
            } catch {
                throw CelestaError(.io, "cannot create the folder of '\(full)': \(AtomicFile.reason(error))")
            }
            try AtomicFile.write(Data(text.utf8), to: full)
        }
    }
}
