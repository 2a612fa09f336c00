import CelestaIR

/// Celesta's own `build.py` and `build_prj.tcl` of the fpga `build_bitstream` project (TALON
/// writes its own scripts, which drive hls4ml; these drive Celesta). `build.py` writes the
/// Celesta HLS project of the network into `celesta_project/`, compiles and checks its C
/// simulation, and with `--bitstream` runs `build_prj.tcl` in Vitis HLS (or Vivado HLS), which
/// takes its steps from the `BitstreamConfig`. Neither is run by Celesta.
enum BitstreamScripts {
    /// The folder (next to the scripts) that `build.py` writes the Celesta project into.
    static let projectFolder = "celesta_project"

    struct Settings {
        var project: String
        var part: String
        var clock: IRValue
        var flags: BitstreamConfig

        init(config: IRDict, flags: BitstreamConfig) {
            project = config["ProjectName"]?.string ?? "myproject"
            part = config["Part"]?.string ?? ""
            clock = config["ClockPeriod"] ?? .int(5)
            self.flags = flags
        }

        var period: Double { clock.double ?? 5 }
        /// The period as written: an integer without a decimal point.
        var periodText: String { ProjectFiles.number(period) }
        var megahertz: String {
            let f = 1000 / period
            return f == f.rounded() && abs(f) < 1e15 ? String(Int(f)) : PythonFormat.fixed(f, digits: 1)
        }
        /// 12.5 % of the period, in ns (2 decimals).
        var uncertainty: String { PythonFormat.fixed(period * 0.125, digits: 2) }
    }

    static func python(_ b: Bool) -> String { b ? "True" : "False" }
    static func tcl(_ b: Bool) -> String { b ? "1" : "0" }
    /// A Python string literal (JSON's escapes are Python's).
    static func pyString(_ s: String) -> String { PythonJSON.dumps(.string(s)) }

    /// The Vitis HLS script. Steps: csim -> csim_design; synth (or any later step) ->
    /// csynth_design; cosim -> cosim_design; export -> export_design as an IP; vsynth -> the
    /// export with `-flow syn` (Vivado synthesis of the IP); bitfile -> `-flow impl` (Vivado
    /// place and route of the IP).
    static func tcl(_ s: Settings) -> String {
        let f = s.flags
        let src = projectFolder
        return """
        # Vitis HLS script for \(s.project) (written by Celesta's build_bitstream; Celesta never runs it).
        # Part \(s.part), clock \(s.periodText) ns (\(s.megahertz) MHz), clock uncertainty 12.5 % (\(s.uncertainty) ns).
        #
        # It builds the Celesta HLS project that `python build.py` writes into \(src)/ (top
        # function, kernels, weights, testbench). From this folder, after build.py:
        #   vitis_hls -f build_prj.tcl          (or vivado_hls -f build_prj.tcl)
        # or `python build.py --bitstream`, which does both.
        # Steps (the BitstreamConfig of build_bitstream): csim = C simulation, synth = HLS synthesis,
        # cosim = RTL co-simulation, export = IP catalog export, vsynth = Vivado synthesis of the IP,
        # bitfile = Vivado place and route of the IP (a board bitstream also needs a block design
        # around it). Change them below, or pass key=value pairs after -tclargs.
        array set opt {csim \(tcl(f.csim)) synth \(tcl(f.synth)) cosim \(tcl(f.cosim)) export \(tcl(f.export)) vsynth \(tcl(f.vsynth)) bitfile \(tcl(f.bitfile))}
        foreach arg $::argv { foreach {k v} [split $arg =] { set opt($k) $v } }

        set src \(src)
        if {![file exists $src/firmware/\(s.project).cpp]} {
            puts "build_prj.tcl: $src/firmware/\(s.project).cpp is missing; run `python build.py` first (it writes the Celesta project)"
            exit 1
        }
        open_project -reset \(s.project)_prj
        set_top \(s.project)
        set wd [file normalize $src/firmware/weights]
        set cflags "-std=c++14 -I$src/firmware -DWEIGHTS_DIR=\\\\\\"$wd\\\\\\""
        add_files $src/firmware/\(s.project).cpp -cflags $cflags
        add_files -tb $src/\(s.project)_test.cpp -cflags $cflags
        add_files -tb $src/firmware/weights
        add_files -tb $src/tb_data
        open_solution -reset "solution1" -flow_target vivado
        set_part {\(s.part)}
        create_clock -period \(s.periodText) -name default
        set_clock_uncertainty \(s.uncertainty)

        if {$opt(csim)} { csim_design }
        if {$opt(synth) || $opt(cosim) || $opt(export) || $opt(vsynth) || $opt(bitfile)} { csynth_design }
        if {$opt(cosim)} { cosim_design -trace_level all }
        if {$opt(bitfile)} {
            export_design -format ip_catalog -flow impl
        } elseif {$opt(vsynth)} {
            export_design -format ip_catalog -flow syn
        } elseif {$opt(export)} {
            export_design -format ip_catalog
        }
        exit

        """
    }

    /// The Python build script.
    static func buildPy(_ s: Settings) -> String {
        let f = s.flags
        return #"""
        #!/usr/bin/env python3
        """Build script of the FPGA project \#(s.project) (written by Celesta's build_bitstream).

        Part \#(s.part), clock \#(s.periodText) ns. Steps chosen when the project was written
        (BitstreamConfig): csim=\#(python(f.csim)), synth=\#(python(f.synth)), cosim=\#(python(f.cosim)), export=\#(python(f.export)), vsynth=\#(python(f.vsynth)), bitfile=\#(python(f.bitfile)).

            python build.py [--model FILE]               write the Celesta HLS project of the network
                                                         into \#(projectFolder)/; with csim, compile its C
                                                         simulation (g++) and check it against Celesta's
                                                         bit-exact fixed-point simulator
            python build.py [--model FILE] --bitstream   then run build_prj.tcl in Vitis HLS (or Vivado
                                                         HLS), which must be on PATH

        FILE: the network as a .t1c, .nir or IR JSON graph; default model.t1c next to this script
        (write it with celesta.ir.write("model.t1c", graph)). Part, clock, io type, precisions,
        reuse factors and strategy come from hls4ml_config.json next to this script. Needs the
        celesta Python package; the C simulation needs g++ and the ap_types headers (see
        Celesta's README, "ap_types headers").
        """

        import argparse
        import json
        import shutil
        import subprocess
        import sys
        from pathlib import Path

        HERE = Path(__file__).resolve().parent
        PROJECT = HERE / \#(pyString(projectFolder))
        STEPS = {"csim": \#(python(f.csim)), "synth": \#(python(f.synth)), "cosim": \#(python(f.cosim)), "export": \#(python(f.export)), "vsynth": \#(python(f.vsynth)), "bitfile": \#(python(f.bitfile))}
        CHECK_STEPS = 8  # time steps of the C-simulation check


        def fail(message):
            print(f"build.py: {message}", file=sys.stderr)
            sys.exit(1)


        def load_settings():
            with open(HERE / "hls4ml_config.json", encoding="utf-8") as f:
                return json.load(f)


        def hls_model(settings, model_file):
            try:
                from celesta import hls
            except ImportError:
                fail("the celesta Python package is not installed (run `make python-install` in a Celesta checkout)")
            if not model_file.exists():
                fail(f"no network at {model_file}; pass --model FILE, or write one with celesta.ir.write({str(model_file)!r}, graph)")
            model = settings["HLSConfig"]["Model"]
            layer_names = settings["HLSConfig"].get("LayerName") or {}
            return hls.convert(str(model_file), output_dir=str(PROJECT), project_name=settings["ProjectName"], io_type=settings["IOType"],
                               part=settings["Part"], clock_period=settings["ClockPeriod"], default_precision=model["Precision"],
                               reuse_factor=model["ReuseFactor"], strategy=model["Strategy"],
                               hls_config={"HLSConfig": {"LayerName": layer_names}} if layer_names else None)


        def check_csim(m):
            """Compiles the C simulation and runs it on random spikes next to the fixed-point simulator."""
            import numpy as np

            print("compiling the C simulation (g++)...")
            m.compile()
            x = np.random.default_rng(0).integers(0, 2, (CHECK_STEPS, m.n_in)).astype(np.float64)
            got, want = np.asarray(m.predict(x)), np.asarray(m.simulate(x))
            if not np.array_equal(got, want):
                fail(f"the C simulation differs from the fixed-point simulator:\n{got}\n{want}")
            print(f"C simulation: {CHECK_STEPS} steps equal to Celesta's fixed-point simulator")


        def run_hls():
            tool = shutil.which("vitis_hls") or shutil.which("vivado_hls")
            if tool is None:
                fail("neither vitis_hls nor vivado_hls is on PATH; source the Vitis/Vivado settings script, or run without --bitstream")
            steps = " ".join(f"{k}={int(v)}" for k, v in STEPS.items())
            print(f"running {tool} -f build_prj.tcl ({steps})")
            subprocess.run([tool, "-f", "build_prj.tcl", "-tclargs", *steps.split()], cwd=HERE, check=True)


        def main():
            parser = argparse.ArgumentParser(description="Write, check and synthesise the Celesta HLS project of \#(s.project).")
            parser.add_argument("--model", type=Path, default=HERE / "model.t1c", help="the network (.t1c, .nir or IR JSON graph)")
            parser.add_argument("--bitstream", action="store_true", default=\#(python(f.bitfile)),
                                help="run build_prj.tcl in Vitis HLS after writing the project (default: BitstreamConfig.bitfile)")
            parser.add_argument("--no-bitstream", dest="bitstream", action="store_false", help="do not run Vitis HLS")
            args = parser.parse_args()
            settings = load_settings()
            m = hls_model(settings, args.model)
            files = m.write(overwrite=True)
            print(f"wrote {len(files)} files of the Celesta HLS project into {PROJECT}")
            if STEPS["csim"]:
                check_csim(m)
            if args.bitstream:
                run_hls()


        if __name__ == "__main__":
            main()

        """#
    }
}
