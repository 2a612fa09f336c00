import CelestaIR
extension XyloImageLayout {
    /// Xylo Audio 2 (`syns61201`): the Xylo core registers 0x00...0x21 and the RAM banks
    /// 0x00100...0x2434F.
    ///
    /// From the map: register names and addresses, every CTRL1 field, the STAT bits, bank
    /// names and start addresses, and the bank sizes (the distance to the next bank; OWTRAM,
    /// the last bank in the map, holds 1000 x 8 output weights).
    ///
    /// Chosen here (not revealed by the reference):
    /// * CTRL2 carries the network's sizes: `IN` (input channels) bits 0-7, `ON` (outputs)
    ///   bits 8-15, `HN` (hidden neurons) bits 16-25, the positions Xylo Audio 3 gives its
    ///   `inc` and `hnc` fields. The chip has no expansion-neuron counts: every hidden neuron
    ///   receives input weights and sends output weights, so an image requires
    ///   `n_ien = n_oen = n_hidden`.
    /// * The bias: Rockpool uses no bias RAM for this chip, yet the core adds a bias. It is
    ///   kept in `NBRAM`, 1008 words (hidden + output) right after OWTRAM at 0x23F60, as
    ///   16-bit words (the simulator's width).
    /// * Word widths: weights 8 bits signed; thresholds, biases and the `Isyn`/`Vmem` states 16
    ///   bits signed; dashes 4 bits; spike counts 5 bits (0...31); alias roles 2 bits; alias and
    ///   fan-out targets 10 bits (a hidden id); fan-out counts 16 bits.
    /// * RSPKRAM starts at 0xA150, the address that fits the bank layout (one Rockpool function
    ///   reads 0xA540 instead; see the map's notes).
    public static let xyloAudio2 = XyloImageLayout(
        chipID: "syns61201",
        registerNames: [
            "VERSION", "CTRL1", "CTRL2", "TR_WRAP", "HM_TR_WRAP",
            "PWR_CTRL1", "PWR_CTRL2", "PWR_CTRL3", "PWR_CTRL4",
            "ISO_CTRL1", "ISO_CTRL2", "ISO_CTRL3", "ISO_CTRL4",
            "IE", "WO", "BADDR", "BLEN",
            "ISPKREG0L", "ISPKREG0H", "ISPKREG1L", "ISPKREG1H",
            "STAT", "INT", "OMP_STAT0", "OMP_STAT1", "OMP_STAT2", "OMP_STAT3",
            "MONSEL", "MON_GRP_SEL", "DBG_CTRL1", "TRAM_CTRL", "HRAM_CTRL", "DBG_STAT1", "TR_CNTR_STAT",
        ],
        fields: [
            ("CTRL1", "MAN", 0, 1, nil),
            ("CTRL1", "ISYN2_EN", 1, 1, .isyn2Enable),
            ("CTRL1", "ALIAS_EN", 2, 1, .aliasEnable),
            ("CTRL1", "BIAS_EN", 3, 1, .biasEnable),
            ("CTRL1", "IWBS", 4, 3, .weightShiftIn),
            ("CTRL1", "RWBS", 8, 3, .weightShiftRec),
            ("CTRL1", "OWBS", 12, 3, .weightShiftOut),
            ("CTRL1", "MEM_CLK_ON", 16, 1, nil),
            ("CTRL1", "RAM_ACTIVE", 17, 1, nil),
            ("CTRL1", "KEEP_INT", 20, 1, nil),
            ("CTRL1", "DIRECT_FETCH_STATE_RAM", 21, 1, nil),
            ("CTRL1", "ALWAYS_UPDATE_OPM_STAT", 22, 1, nil),
            ("CTRL1", "HM_EN", 23, 1, nil),
            ("CTRL1", "RST_PE", 24, 1, nil),
            ("CTRL1", "RST_PS", 25, 1, nil),
            ("CTRL1", "RAM_WU_ST", 28, 4, nil),
            // Chosen (see above).
            ("CTRL2", "IN", 0, 8, .inputCount),
            ("CTRL2", "ON", 8, 8, .outputCount),
            ("CTRL2", "HN", 16, 10, .hiddenCount),
            ("STAT", "output_spike_flags", 0, 8, nil),
            ("STAT", "ready", 16, 1, nil),
        ],
        hiddenNeurons: 1000, inputWeightRow: 1000, outputWeightRow: 8,
        status: .combined(register: "STAT", doneBit: 16),
        banks: [
            XyloMemoryBank("IWTRAM", 0x00100, 16000, .inputWeight1, bits: 8, signed: true),
            XyloMemoryBank("IWT2RAM", 0x03F80, 16000, .inputWeight2, bits: 8, signed: true),
            XyloMemoryBank("NSCRAM", 0x07E00, 1008, .synapticCurrent1, bits: 16, signed: true),
            XyloMemoryBank("RSC2RAM", 0x081F0, 1000, .synapticCurrent2, bits: 16, signed: true),
            XyloMemoryBank("NMPRAM", 0x085D8, 1008, .membrane, bits: 16, signed: true),
            XyloMemoryBank("NDSRAM", 0x089C8, 1008, .dashSyn1, bits: 4, signed: false),
            XyloMemoryBank("RDS2RAM", 0x08DB8, 1000, .dashSyn2, bits: 4, signed: false),
            XyloMemoryBank("NDMRAM", 0x091A0, 1008, .dashMem, bits: 4, signed: false),
            XyloMemoryBank("NTHRAM", 0x09590, 1008, .threshold, bits: 16, signed: true),
            XyloMemoryBank("RCRAM", 0x09980, 1000, .aliasRole, bits: 2, signed: false),
            XyloMemoryBank("RARAM", 0x09D68, 1000, .aliasTarget, bits: 10, signed: false),
            XyloMemoryBank("RSPKRAM", 0x0A150, 1000, .spikeCount, bits: 5, signed: false),
            XyloMemoryBank("REFOCRAM", 0x0A538, 1000, .fanoutCount, bits: 16, signed: false),
            XyloMemoryBank("RFORAM", 0x0A920, 32000, .fanoutTarget, bits: 10, signed: false),
            XyloMemoryBank("RWTRAM", 0x12620, 32000, .fanoutWeight1, bits: 8, signed: true),
            XyloMemoryBank("RWT2RAM", 0x1A320, 32000, .fanoutWeight2, bits: 8, signed: true),
            XyloMemoryBank("OWTRAM", 0x22020, 8000, .outputWeight, bits: 8, signed: true),
            // Chosen (see above).
            XyloMemoryBank("NBRAM", 0x23F60, 1008, .bias, bits: 16, signed: true),
        ])
}
