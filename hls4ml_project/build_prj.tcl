# Vitis HLS script for snn_demo (written by Celesta's build_bitstream; Celesta never runs it).
# Part xczu9eg-ffvb1156-2-i, clock 5 ns (200 MHz), clock uncertainty 12.5 % (0.62 ns).
#
# It builds the Celesta HLS project that `python build.py` writes into celesta_project/ (top
# function, kernels, weights, testbench). From this folder, after build.py:
#   vitis_hls -f build_prj.tcl          (or vivado_hls -f build_prj.tcl)
# or `python build.py --bitstream`, which does both.
# Steps (the BitstreamConfig of build_bitstream): csim = C simulation, synth = HLS synthesis,
# cosim = RTL co-simulation, export = IP catalog export, vsynth = Vivado synthesis of the IP,
# bitfile = Vivado place and route of the IP (a board bitstream also needs a block design
# around it). Change them below, or pass key=value pairs after -tclargs.
array set opt {csim 1 synth 0 cosim 0 export 0 vsynth 0 bitfile 0}
foreach arg $::argv { foreach {k v} [split $arg =] { set opt($k) $v } }

set src celesta_project
if {![file exists $src/firmware/snn_demo.cpp]} {
    puts "build_prj.tcl: $src/firmware/snn_demo.cpp is missing; run `python build.py` first (it writes the Celesta project)"
    exit 1
}
open_project -reset snn_demo_prj
set_top snn_demo
set wd [file normalize $src/firmware/weights]
set cflags "-std=c++14 -I$src/firmware -DWEIGHTS_DIR=\\\"$wd\\\""
add_files $src/firmware/snn_demo.cpp -cflags $cflags
add_files -tb $src/snn_demo_test.cpp -cflags $cflags
add_files -tb $src/firmware/weights
add_files -tb $src/tb_data
open_solution -reset "solution1" -flow_target vivado
set_part {xczu9eg-ffvb1156-2-i}
create_clock -period 5 -name default
set_clock_uncertainty 0.62

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
