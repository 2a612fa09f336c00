import CelestaIR
/// The cycle model prepared for one configuration, for evaluating many time steps cheaply
/// (the virtual dev kit checks every real-time step against its clock budget).
public struct XyloCyclePredictor: Sendable {
    let statistics: XyloCycles.ConfigStatistics
    let model: XyloCycleModel
    /// Hidden and output neurons and input channels of the configuration.
    public let nIn: Int, nHidden: Int, nOut: Int

    /// Throws as `XyloCycles.cycles`: `.unsupported` for a chip without a cycle model,
    /// `.invalidArgument` for a configuration of another chip.
    public init(config: XyloConfig, chip: ChipSpec) throws {
        model = try XyloCycleModel.model(for: chip)
        try XyloCycles.checkChip(config, chip)
        statistics = XyloCycles.ConfigStatistics(config, model)
        nIn = config.nIn
        nHidden = config.nHidden
        nOut = config.nOut
    }

    /// Cycles of one step at the given firing fractions (each in 0...1, not checked).
    public func cycles(inputRate: Double, hiddenRate: Double, outputRate: Double) -> Double {
        XyloCycles.evaluate(statistics, model: model, pIn: inputRate, pHidden: hiddenRate, pOut: outputRate).cycles
    }

    /// The worst case: every channel and neuron active.
    public var worstCase: Double { cycles(inputRate: 1, hiddenRate: 1, outputRate: 1) }
}
