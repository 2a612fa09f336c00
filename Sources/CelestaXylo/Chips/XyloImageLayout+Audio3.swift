import CelestaIR
extension XyloImageLayout {
    /// Xylo Audio 3 (`syns65302`): 371 registers 0x000...0x172 and the RAM banks
    /// 0x00200...0x1C53F.
    ///
    /// From the map: register names and addresses, the start bit of every ctrl1/ctrl2/ctrl3
    /// field, `stat2.pd`, bank names, starts and sizes, and the slices of HFORAM, HWTRAM,
    /// HWT2RAM and OWTRAM (2048 words each; the 31744-word fan-out banks end half-way through
    /// their 16th slice).
    ///
    /// Chosen here (the map gives start bits only):
    /// * Field widths: the enables 1 bit; the weight shifts `iwbs`/`hwbs`/`owbs` 3 bits (as on
    ///   Xylo Audio 2; 0...7); the counts `inc`, `ienc` (ctrl2 bits 0-7, 8-15), `onc`, `oenc`
    ///   (ctrl3 bits 0-7, 8-15) 8 bits and `hnc` (ctrl2) 10 bits, 16-25.
    /// * `stat1` bits 0-31: one output-spike flag per output neuron; `dbg_stat1` bit 16: which
    ///   input-spike register pair is current (the facts name the bit, not the field).
    /// * Word widths as on Xylo Audio 2: weights 8 bits signed; thresholds, biases (NBRAM) and
    ///   states 16 bits signed; dashes 4 bits; spike counts 5 bits; alias roles 2 bits; alias
    ///   and fan-out targets 10 bits; fan-out counts 16 bits.
    /// * The sliced banks are addressed linearly (slice `n` starts at word `2048 n`).
    public static let xyloAudio3 = XyloImageLayout(
        chipID: "syns65302",
        registerNames: audio3RegisterNames,
        fields: [
            ("ctrl1", "man", 0, 1, nil),
            ("ctrl1", "isyn2_en", 1, 1, .isyn2Enable),
            ("ctrl1", "alias_en", 2, 1, .aliasEnable),
            ("ctrl1", "bias_en", 3, 1, .biasEnable),
            ("ctrl1", "iwbs", 4, 3, .weightShiftIn),
            ("ctrl1", "hwbs", 8, 3, .weightShiftRec),
            ("ctrl1", "owbs", 12, 3, .weightShiftOut),
            ("ctrl1", "mem_clk_on", 16, 1, nil),
            ("ctrl1", "ram_active", 17, 1, nil),
            ("ctrl1", "keep_int", 20, 1, nil),
            ("ctrl1", "always_update_omp_stat", 22, 1, nil),
            ("ctrl1", "hm_en", 23, 1, nil),
            ("ctrl2", "inc", 0, 8, .inputCount),
            ("ctrl2", "ienc", 8, 8, .inputExpansionCount),
            ("ctrl2", "hnc", 16, 10, .hiddenCount),
            ("ctrl3", "onc", 0, 8, .outputCount),
            ("ctrl3", "oenc", 8, 8, .outputExpansionCount),
            ("stat1", "output_spike_flags", 0, 32, nil),
            ("stat2", "pd", 0, 1, nil),
            ("dbg_stat1", "ispkreg_current", 16, 1, nil),
        ],
        hiddenNeurons: 992, inputWeightRow: 128, outputWeightRow: 32,
        status: .split(flags: "stat1", done: "stat2"),
        banks: [
            XyloMemoryBank("IWTRAM", 0x00200, 2048, .inputWeight1, bits: 8, signed: true),
            XyloMemoryBank("IWT2RAM", 0x00A00, 2048, .inputWeight2, bits: 8, signed: true),
            XyloMemoryBank("NSCRAM", 0x01200, 1024, .synapticCurrent1, bits: 16, signed: true),
            XyloMemoryBank("HSC2RAM", 0x01600, 992, .synapticCurrent2, bits: 16, signed: true),
            XyloMemoryBank("NMPRAM", 0x019E0, 1024, .membrane, bits: 16, signed: true),
            XyloMemoryBank("NDSRAM", 0x01DE0, 1024, .dashSyn1, bits: 4, signed: false),
            XyloMemoryBank("HDS2RAM", 0x021E0, 992, .dashSyn2, bits: 4, signed: false),
            XyloMemoryBank("NDMRAM", 0x025C0, 1024, .dashMem, bits: 4, signed: false),
            XyloMemoryBank("NBRAM", 0x029C0, 1024, .bias, bits: 16, signed: true),
            XyloMemoryBank("NTHRAM", 0x02DC0, 1024, .threshold, bits: 16, signed: true),
            XyloMemoryBank("HCRAM", 0x031C0, 992, .aliasRole, bits: 2, signed: false),
            XyloMemoryBank("HARAM", 0x035A0, 992, .aliasTarget, bits: 10, signed: false),
            XyloMemoryBank("HSPKRAM", 0x03980, 992, .spikeCount, bits: 5, signed: false),
            XyloMemoryBank("HEFOCRAM", 0x03D60, 992, .fanoutCount, bits: 16, signed: false),
            XyloMemoryBank("HFORAM", 0x04140, 31744, .fanoutTarget, bits: 10, signed: false, sliceWords: 2048),
            XyloMemoryBank("HWTRAM", 0x0BD40, 31744, .fanoutWeight1, bits: 8, signed: true, sliceWords: 2048),
            XyloMemoryBank("HWT2RAM", 0x13940, 31744, .fanoutWeight2, bits: 8, signed: true, sliceWords: 2048),
            XyloMemoryBank("OWTRAM", 0x1B540, 4096, .outputWeight, bits: 8, signed: true, sliceWords: 2048),
        ])

    /// The 371 register names of the map, in address order.
    static let audio3RegisterNames: [String] = {
        func numbered(_ prefix: String, _ count: Int, from first: Int = 0, _ suffix: String = "") -> [String] {
            (first..<(first + count)).map { "\(prefix)\($0)\(suffix)" }
        }
        var names = ["version", "ctrl1", "ctrl2", "ctrl3", "tr_wrap", "hm_tr_wrap", "clk_ctrl", "clk_div"]
        names += numbered("pwr_ctrl", 4, from: 1)
        names += ["pad_ctrl", "otp_ctrl", "ie1", "ie2", "wo", "out_ctrl", "out_wrap", "baddr", "blen",
                  "ivgen_ctrl1", "ivgen_ctrl2", "ldo_ctrl1", "ldo_ctrl2", "afe_ctrl", "adc_ctrl", "dfe_ctrl"]
        names += numbered("agc_ctrl", 3, from: 1)
        names += numbered("agc_aaf_a", 4, from: 1)
        names += numbered("agc_aaf_b_reg", 2)
        names += numbered("agc_wt", 16)
        names += numbered("agc_at_reg", 8)
        names += numbered("agc_pgiv_reg", 2)
        names += numbered("agc_ugrsa", 15, "_l") + ["agc_ugrsa_h"]
        names += numbered("agc_dgrsa", 15, "_l") + ["agc_dgrsa_h"]
        names += ["agc_ghri_l", "vad_tw", "hm_thr", "hm_tw"]
        for filter in ["bb", "bwf", "baf"] { names += numbered("bpf_\(filter)_reg", 2) }
        names += numbered("bpf_a1_reg", 8) + numbered("bpf_a2_reg", 8)
        for k in 0..<16 { names += ["iaf_thr\(k)_l", "iaf_thr\(k)_h"] }
        for p in ["eps", "b", "k1", "k2"] { names += numbered("dn_\(p)_reg", 8) }
        names += numbered("pdm_h_reg", 144)
        names += ["ispkreg0l", "ispkreg0h", "ispkreg1l", "ispkreg1h"]
        names += numbered("id_reg_", 3, from: 1) + ["die_loc", "id_rsvd_reg", "stat1", "stat2", "int1", "int2"]
        names += numbered("omp_stat", 16)
        names += ["monsel", "mon_grp_sel", "dbg_ctrl1"]
        names += numbered("ana_testmode_ctrl", 5, from: 1)
        names += ["adc_test_ctrl", "tram_ctrl", "hram_ctrl", "dbg_stat1", "cntr_stat"]
        return names
    }()
}
