/// The text of every file of a generated HLS project (Celesta's own layout, close to an
/// hls4ml project's):
///
/// ```
/// firmware/<name>.cpp <name>.h   the top function: one time step per call
/// firmware/defines.h             typedefs of every tensor and parameter type
/// firmware/parameters.h          one config struct per layer, the weight includes
/// firmware/weights/wN.{h,txt} bN thN beN   parameter arrays
/// firmware/celesta/celesta_snn.h Celesta's kernels
/// <name>_test.cpp                testbench: rows of tb_data/tb_input_features.dat, one per step
/// <name>_bridge.cpp              extern "C" step / trace calls for the C-sim shared library
/// build_lib.sh                   g++ build of the C simulation (library and testbench)
/// build_prj.tcl                  Vitis HLS: csim, csynth, cosim, export (written, not run)
/// celesta_model.txt              the model, its resolved types, what each file is for
/// ```
struct ProjectFiles {
    let model: HLSModel
    let names: CppNames
    /// The ap_types folder written into build_lib.sh as its default.
    let apTypes: String

    init(_ model: HLSModel, apTypes: String) {
        self.model = model
        self.names = CppNames(model: model)
        self.apTypes = apTypes
    }

    var project: String { model.projectName }
    var stream: Bool { model.ioType == .stream }

    func all() -> [(path: String, text: String)] {
        var files: [(String, String)] = [
            ("firmware/\(project).cpp", topSource()),
            ("firmware/\(project).h", topHeader()),
            ("firmware/defines.h", defines()),
            ("firmware/parameters.h", parameters()),
            ("firmware/celesta/\(HLSKernels.fileName)", HLSKernels.snnHeader),
            ("\(project)_test.cpp", testbench()),
            ("\(project)_bridge.cpp", bridge()),
            ("build_lib.sh", buildLib()),
            ("build_prj.tcl", buildTcl()),
            ("tb_data/README.txt", "Test data of the testbench: tb_input_features.dat holds one input row per time step\n(values separated by spaces or commas). Without it the testbench runs 5 zero steps.\n"),
        ]
        for (name, type, values) in arrays() {
            files.append(("firmware/weights/\(name).txt", values.map(type.decimalText).joined(separator: ", ") + "\n"))
            files.append(("firmware/weights/\(name).h", weightHeader(name, type, values)))
        }
        return files
    }

    // MARK: arrays

    /// Every parameter array: name, element type, values in the kernel's layout.
    func arrays() -> [(String, FixedType, [Double])] {
        var out: [(String, FixedType, [Double])] = []
        for (k, layer) in model.layers.enumerated() {
            let n = names.index(k)
            switch layer.kind {
            case .dense(let d):
                var w = d.weight
                if d.strategy == .resource {
                    w = (0..<d.nOut).flatMap { j in (0..<d.nIn).map { i in d.weight[i * d.nOut + j] } }
                }
                out.append(("w\(n)", layer.type("weight_t"), w))
                out.append(("b\(n)", layer.type("bias_t"), d.bias))
            case .ifNeuron(let ne), .lifNeuron(let ne):
                if case .vector(let t) = ne.threshold { out.append(("th\(n)", layer.type("threshold_t"), t)) }
                if case .vector(let b)? = ne.beta { out.append(("be\(n)", layer.type("beta_t"), b)) }
            case .readout: break
            }
        }
        return out
    }

    func typeName(_ name: String) -> String {
        for k in model.layers.indices {
            let n = names.index(k)
            switch name {
            case "w\(n)": return names.paramType(k, "weight_t")
            case "b\(n)": return names.paramType(k, "bias_t")
            case "th\(n)": return names.paramType(k, "threshold_t")
            case "be\(n)": return names.paramType(k, "beta_t")
            default: continue
            }
        }
        return "double"
    }

    func weightHeader(_ name: String, _ type: FixedType, _ values: [Double]) -> String {
        let guardName = guardMacro("WEIGHTS_\(name.uppercased())")
        return """
        // \(name): \(values.count) values of \(type) (Celesta). In C simulation the array is read from
        // WEIGHTS_DIR/\(name).txt on the first call; for synthesis it is initialised here.
        #ifndef \(guardName)
        #define \(guardName)

        #ifndef __SYNTHESIS__
        \(typeName(name)) \(name)[\(values.count)];
        #else
        \(typeName(name)) \(name)[\(values.count)] = {\(values.map(type.decimalText).joined(separator: ", "))};
        #endif

        #endif

        """
    }

    /// An include guard named after the project, so that several projects can share one
    /// translation unit (`HLSToolchain.compileSuite`).
    func guardMacro(_ what: String) -> String { "\(project.uppercased())_\(what)_H_" }

    // MARK: defines.h, parameters.h

    func defines() -> String {
        var lines = ["// Types of every tensor and parameter (Celesta).", "#ifndef \(guardMacro("DEFINES"))", "#define \(guardMacro("DEFINES"))", "",
                     "#include \"ap_fixed.h\"", "#include \"ap_int.h\"", "#include \"celesta/\(HLSKernels.fileName)\"", "",
                     "#define N_INPUT \(model.input.n)", "#define N_OUTPUT \(model.outputWidth)", ""]
        func tensor(_ elem: FixedType, _ n: Int) -> String { stream ? "celesta::array<\(elem), \(n)>" : "\(elem)" }
        lines.append("typedef \(tensor(model.input.type, model.input.n)) input_t;")
        for (k, layer) in model.layers.enumerated() {
            lines.append("typedef \(tensor(layer.type("result_t"), layer.outputWidth)) \(names.tensorType(k));")
            for slot in layer.slots where slot != "result_t" {
                lines.append("typedef \(layer.type(slot)) \(names.paramType(k, slot));")
            }
        }
        lines += ["", "#endif", ""]
        return lines.joined(separator: "\n")
    }

    func parameters() -> String {
        var lines = ["// One config struct per layer, and the parameter arrays (Celesta).", "#ifndef \(guardMacro("PARAMETERS"))", "#define \(guardMacro("PARAMETERS"))", "",
                     "#include \"defines.h\"", ""]
        for (name, _, _) in arrays() { lines.append("#include \"weights/\(name).h\"") }
        lines.append("")
        for (k, layer) in model.layers.enumerated() {
            lines.append("struct \(names.config(k)) {")
            lines.append("    static constexpr const char *layer_name = \"\(layer.name.filter { $0 != "\"" && $0 != "\\" })\";")
            switch layer.kind {
            case .dense(let d):
                let perStep = (d.nIn * d.nOut + d.reuseFactor - 1) / d.reuseFactor
                lines += [
                    "    static const unsigned n_in = \(d.nIn);",
                    "    static const unsigned n_out = \(d.nOut);",
                    "    static const celesta::strategy_kind strategy = celesta::\(d.strategy.rawValue);",
                    "    static const unsigned reuse_factor = \(d.reuseFactor);",
                    "    static const unsigned multiplier_limit = \(perStep);",
                    "    static const unsigned block_factor = \(perStep);",
                    "    typedef \(names.paramType(k, "weight_t")) weight_t;",
                    "    typedef \(names.paramType(k, "bias_t")) bias_t;",
                    "    typedef \(names.paramType(k, "accum_t")) accum_t;",
                ]
            case .ifNeuron(let n), .lifNeuron(let n):
                let lif = n.beta != nil
                lines += [
                    "    static const unsigned n = \(n.n);",
                    "    static const unsigned window_size = \(n.windowSize);",
                    "    static const celesta::reset_kind reset = celesta::reset_\(n.reset.rawValue);",
                    "    static const bool threshold_is_vector = \(n.threshold.isVector);",
                    "    static const bool beta_is_vector = \(n.beta?.isVector ?? false);",
                    "    static constexpr float threshold = \(floatLiteral(n.threshold));",
                    "    static constexpr float beta = \(n.beta.map(floatLiteral) ?? "1.0f");",
                    "    typedef \(names.paramType(k, "threshold_t")) threshold_t;",
                    "    typedef \(names.paramType(k, lif ? "beta_t" : "threshold_t")) beta_t;",
                    "    typedef \(names.paramType(k, "membrane_t")) membrane_t;",
                ]
            case .readout(let r):
                lines += [
                    "    static const unsigned n_classes = \(r.nClasses);",
                    "    static const unsigned window_size = \(r.windowSize);",
                    "    static const unsigned class_threshold = \(r.classThreshold);",
                    "    static const celesta::readout_mode mode = celesta::readout_\(r.mode.rawValue);",
                    "    static const celesta::decision_kind rule = celesta::rule_\(r.rule.rawValue);",
                    "    static constexpr float beta = \(floatLiteral(.scalar(r.beta)));",
                    "    typedef \(names.paramType(k, "membrane_t")) membrane_t;",
                ]
            }
            lines += ["};", ""]
        }
        lines += ["#endif", ""]
        return lines.joined(separator: "\n")
    }

    /// A float literal that rounds to the same float32 as the nominal value (scalar constants
    /// are converted from float, as hls4ml's are). Vectors use their arrays; 0 here.
    func floatLiteral(_ p: HLSParam) -> String {
        guard case .scalar(let v) = p else { return "0.0f" }
        let f = Float(v)
        guard f.isFinite else { return "0.0f" }
        var s = "\(f)"
        if !s.contains(".") && !s.contains("e") { s += ".0" }
        return s + "f"
    }

    // MARK: top function

    var topSignature: String {
        let out = names.outputVar
        if stream { return "hls::stream<input_t> &\(names.inputVar), hls::stream<result_t> &\(out)" }
        return "input_t \(names.inputVar)[N_INPUT], result_t \(out)[N_OUTPUT]"
    }

    func topHeader() -> String {
        """
        // Top function of \(project) (Celesta): one time step per call; all network state lives in
        // the kernels' static variables and survives between calls.
        #ifndef \(project.uppercased())_H_
        #define \(project.uppercased())_H_

        #include "hls_stream.h"
        #include "defines.h"

        void \(project)(\(topSignature));

        #endif

        """
    }

    func topSource() -> String {
        var body: [String] = []
        let inV = names.inputVar, outV = names.outputVar
        if stream {
            body += ["#pragma HLS INTERFACE axis port=\(inV)", "#pragma HLS INTERFACE axis port=\(outV)", "#pragma HLS DATAFLOW"]
        } else {
            body += ["#pragma HLS INTERFACE ap_vld port=\(inV),\(outV)", "#pragma HLS ARRAY_RESHAPE variable=\(inV) complete dim=0",
                     "#pragma HLS ARRAY_PARTITION variable=\(outV) complete dim=0", "#pragma HLS PIPELINE"]
        }
        let loads = arrays().map { "        celesta::load_weights<\(typeName($0.0)), \($0.2.count)>(\($0.0), WEIGHTS_DIR, \"\($0.0)\");" }
        if !loads.isEmpty {
            body += ["", "#ifndef __SYNTHESIS__", "    static bool loaded = false;", "    if (!loaded) {"] + loads + ["        loaded = true;", "    }", "#endif"]
        }
        body.append("")
        for (k, layer) in model.layers.enumerated() {
            let n = names.index(k)
            let last = k == model.layers.count - 1
            if !last {
                if stream {
                    body.append("    hls::stream<\(names.tensorType(k))> \(names.outVar(k))(\"\(names.outVar(k))\");")
                    body.append("#pragma HLS STREAM variable=\(names.outVar(k)) depth=1")
                } else {
                    body.append("    \(names.tensorType(k)) \(names.outVar(k))[\(layer.outputWidth)];")
                    body.append("#pragma HLS ARRAY_PARTITION variable=\(names.outVar(k)) complete dim=0")
                }
            }
            let call = "<\(names.inType(k)), \(names.tensorType(k)), \(names.config(k))>(\(names.inVar(k)), \(names.outVar(k))"
            switch layer.kind {
            case .dense:
                body.append("    celesta::dense\(call), w\(n), b\(n)); // \(layer.name)")
            case .ifNeuron(let ne):
                body.append("    celesta::if_neuron\(call), \(ne.threshold.isVector ? "th\(n)" : "nullptr")); // \(layer.name)")
            case .lifNeuron(let ne):
                body.append("    celesta::lif_neuron\(call), \(ne.beta?.isVector == true ? "be\(n)" : "nullptr"), \(ne.threshold.isVector ? "th\(n)" : "nullptr")); // \(layer.name)")
            case .readout:
                body.append("    celesta::snn_readout\(call)); // \(layer.name)")
            }
        }
        return """
        // Top function of \(project) (generated by Celesta): \(model.layers.map { "\($0.name) (\($0.className))" }.joined(separator: " -> ")).
        #include "\(project).h"
        #include "parameters.h"

        #ifndef WEIGHTS_DIR
        #define WEIGHTS_DIR "firmware/weights"
        #endif

        void \(project)(\(topSignature)) {
        \(body.joined(separator: "\n"))
        }

        """
    }

    // MARK: C simulation: testbench, bridge, build script

    /// Shared by the testbench and the bridge: one step from doubles to doubles.
    var stepFunction: String {
        let convertIn = stream
            ? "    hls::stream<input_t> xs;\n    input_t x;\n    for (unsigned i = 0; i < N_INPUT; i++) x[i] = celesta::from_double<celesta::element<input_t>::type>((float)in[i]);\n    xs.write(x);\n    hls::stream<result_t> ys;\n    \(project)(xs, ys);\n    const result_t y = ys.read();\n    for (unsigned j = 0; j < N_OUTPUT; j++) out[j] = y[j].to_double();"
            : "    input_t x[N_INPUT];\n    result_t y[N_OUTPUT];\n    for (unsigned i = 0; i < N_INPUT; i++) x[i] = celesta::from_double<celesta::element<input_t>::type>((float)in[i]);\n    \(project)(x, y);\n    for (unsigned j = 0; j < N_OUTPUT; j++) out[j] = y[j].to_double();"
        return """
        // One call of the top function: the inputs are converted as float32 values, the outputs
        // returned exactly as doubles.
        static void celesta_step(const double *in, double *out) {
        \(convertIn)
        }
        """
    }

    func testbench() -> String {
        """
        // C-simulation testbench of \(project) (Celesta). Usage:
        //   csim [input.dat [output.dat [trace.txt]]]
        // Reads one input row per time step (default tb_data/tb_input_features.dat; without it, 5 zero
        // steps), calls the top function once per row and writes the output row of every step
        // (default: standard output, %.17g, exact). With a trace file (needs -DCELESTA_TRACE), every
        // layer's values of every step are written there as "<layer> <key> <values...>" lines.
        #include <cstdio>
        #include <cstdlib>
        #include <cstring>
        #include <vector>
        #include "firmware/\(project).h"
        #ifdef CELESTA_UNITY
        #include "firmware/\(project).cpp"
        #endif

        \(stepFunction)

        static bool read_row(FILE *f, std::vector<double> &row) {
            row.clear();
            int c;
            char buf[64];
            unsigned len = 0;
            for (;;) {
                c = std::fgetc(f);
                if (c == EOF && row.empty() && len == 0) return false;
                if (c == EOF || c == '\\n' || c == ' ' || c == ',' || c == '\\t' || c == '\\r') {
                    if (len) { buf[len] = 0; row.push_back(std::strtod(buf, 0)); len = 0; }
                    if (c == EOF || c == '\\n') return true;
                } else if (len < sizeof buf - 1) {
                    buf[len++] = (char)c;
                }
            }
        }

        int main(int argc, char **argv) {
            const char *in_path = argc > 1 ? argv[1] : "tb_data/tb_input_features.dat";
            FILE *in = std::fopen(in_path, "r");
            FILE *out = argc > 2 && std::strcmp(argv[2], "-") != 0 ? std::fopen(argv[2], "w") : stdout;
            if (!out) { std::fprintf(stderr, "cannot write %s\\n", argv[2]); return 2; }
        #ifdef CELESTA_TRACE
            if (argc > 3) celesta::trace_file() = std::fopen(argv[3], "w");
        #endif
            std::vector<double> row;
            double y[N_OUTPUT];
            unsigned steps = 0;
            for (;;) {
                if (in) {
                    if (!read_row(in, row)) break;
                    if (row.empty()) continue;
                    if (row.size() != N_INPUT) {
                        std::fprintf(stderr, "%s: row %u has %u values, expected %u\\n", in_path, steps, (unsigned)row.size(), (unsigned)N_INPUT);
                        return 2;
                    }
                } else {
                    if (steps == 5) break;
                    row.assign(N_INPUT, 0.0);
                }
        #ifdef CELESTA_TRACE
                if (celesta::trace_file()) std::fprintf(celesta::trace_file(), "step %u\\n", steps);
        #endif
                celesta_step(row.data(), y);
                for (unsigned j = 0; j < N_OUTPUT; j++) std::fprintf(out, j ? " %.17g" : "%.17g", y[j]);
                std::fprintf(out, "\\n");
                steps++;
            }
        #ifdef CELESTA_TRACE
            if (celesta::trace_file()) std::fclose(celesta::trace_file());
        #endif
            if (out != stdout) std::fclose(out);
            return 0;
        }

        """
    }

    func bridge() -> String {
        """
        // extern "C" calls of the C-simulation shared library of \(project) (Celesta), for ctypes.
        // The network state lives in the library: it starts at zero when the library is loaded and
        // every call of \(project)_step advances it by one time step.
        #include <cstdio>
        #include "firmware/\(project).h"
        #ifdef CELESTA_UNITY
        #include "firmware/\(project).cpp"
        #endif

        \(stepFunction)

        extern "C" {
        unsigned \(project)_n_input(void) { return N_INPUT; }
        unsigned \(project)_n_output(void) { return N_OUTPUT; }
        // Runs `steps` time steps: in [steps][N_INPUT], out [steps][N_OUTPUT].
        void \(project)_run(const double *in, double *out, unsigned steps) {
            for (unsigned t = 0; t < steps; t++) celesta_step(in + t * N_INPUT, out + t * N_OUTPUT);
        }
        // Sends every layer's values of the following steps to `path` (NULL: stop).
        int \(project)_trace_to(const char *path) {
        #ifdef CELESTA_TRACE
            if (celesta::trace_file()) std::fclose(celesta::trace_file());
            celesta::trace_file() = path ? std::fopen(path, "w") : 0;
            return path && !celesta::trace_file() ? -1 : 0;
        #else
            return path ? -1 : 0;
        #endif
        }
        }

        """
    }

    func buildLib() -> String {
        """
        #!/bin/sh
        # C simulation of \(project) with g++ (Celesta): builds the shared library
        # firmware/\(project).so (extern "C" calls in \(project)_bridge.cpp) and the testbench ./csim.
        # AP_TYPES: the folder of the Xilinx ap_types headers (ap_fixed.h, hls_stream.h), e.g. from
        # `pip install hls4ml==1.3.0`: <site-packages>/hls4ml/templates/vivado/ap_types.
        set -e
        cd "$(dirname "$0")"
        CXX="${CXX:-g++}"
        AP_TYPES="${AP_TYPES:-\(apTypes)}"
        if [ ! -f "$AP_TYPES/ap_fixed.h" ]; then
            echo "build_lib.sh: no ap_fixed.h in '$AP_TYPES'; set AP_TYPES (pip install hls4ml==1.3.0 ships them)" >&2
            exit 1
        fi
        WD="$(pwd)/firmware/weights"
        "$CXX" -std=c++17 -O2 -DCELESTA_TRACE -DCELESTA_UNITY -I"$AP_TYPES" -Ifirmware "-DWEIGHTS_DIR=\\"$WD\\"" \\
            -fPIC -fno-gnu-unique -shared \(project)_bridge.cpp -o firmware/\(project).so
        "$CXX" -std=c++17 -O2 -DCELESTA_TRACE -DCELESTA_UNITY -I"$AP_TYPES" -Ifirmware "-DWEIGHTS_DIR=\\"$WD\\"" \\
            \(project)_test.cpp -o csim

        """
    }

    func buildTcl() -> String {
        """
        # Vitis HLS script for \(project) (generated by Celesta; written, not run by Celesta).
        # Run:   vitis_hls -f build_prj.tcl          (C simulation, synthesis, export as IP)
        # Options (Tcl variables set on the command line with -tclargs): csim csynth cosim export
        # (1/0). The ap_types headers come with Vitis HLS itself.
        array set opt {csim 1 csynth 1 cosim 0 export 1}
        foreach arg $::argv { foreach {k v} [split $arg =] { set opt($k) $v } }

        open_project -reset \(project)_prj
        set_top \(project)
        set wd [file normalize firmware/weights]
        add_files firmware/\(project).cpp -cflags "-std=c++14 -Ifirmware -DWEIGHTS_DIR=\\\\\\"$wd\\\\\\""
        add_files -tb \(project)_test.cpp -cflags "-std=c++14 -Ifirmware -DWEIGHTS_DIR=\\\\\\"$wd\\\\\\""
        add_files -tb firmware/weights
        add_files -tb tb_data
        open_solution -reset "solution1" -flow_target vivado
        set_part {\(model.part)}
        create_clock -period \(Self.number(model.clockPeriod)) -name default

        if {$opt(csim)} { csim_design }
        if {$opt(csynth)} { csynth_design }
        if {$opt(cosim)} { cosim_design -trace_level all }
        if {$opt(export)} { export_design -format ip_catalog }
        exit

        """
    }

    static func number(_ v: Double) -> String {
        v == v.rounded() && abs(v) < 1e15 ? String(Int(v)) : "\(v)"
    }
}
