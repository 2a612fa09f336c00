import CelestaIR
#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif

/// Rockpool 3.1.0's own NIR export (`rockpool.nn.modules.to_nir`, through nirtorch).
///
/// Rockpool writes a `LIFTorch` as a `CubaLIF` (and a `LIFNeuronTorch` as a `LIF`) with
/// `r = tau_mem * exp(-dt / tau_mem) / dt`, `w_in` left at NIR's default 1 and `v_leak` 0, and
/// reads any CubaLIF back (`from_nir`) as a `LIFTorch` whose weights are unchanged, with
/// `dt ≈ tau_mem / (1 + r)`. In Rockpool's neuron the synapse adds each weighted input whole and
/// the membrane adds the synaptic current whole (Xylo's form), so such a file means input gain 1;
/// read through the NIR equations (`dt² r w_in / (tau_mem tau_syn)`) it would scale every weight
/// by about `dt / tau_syn`. A neuron node is taken as Rockpool's export when every `w_in` is 1 and
/// every `r` is `tau_mem * exp(-dt / tau_mem) / dt` for one `dt` (to float32 precision, as torch
/// wrote them): it then gets gain 1; and that `dt`, when every neuron node agrees on it and it is a
/// round number, is the step the graph maps with when neither the caller nor the graph's metadata
/// names one.
extension XyloIRLowering {
    /// Relative agreement asked of `r` (written as float32) with Rockpool's formula.
    public static let rockpoolTolerance = 2e-6

    /// The step Rockpool's export used for neuron node `n`, or nil when `n` does not carry
    /// Rockpool's convention (see the type's documentation).
    public static func rockpoolExportDT(_ n: IRNode) -> Double? {
        guard n.type == "CubaLIF" || n.type == "LIF" else { return nil }
        guard let tau = n.tensor(n.type == "CubaLIF" ? "tau_mem" : "tau")?.doubles,
              let r = n.tensor("r")?.doubles, !tau.isEmpty, r.count == tau.count
        else { return nil }
        if n.type == "CubaLIF", let wIn = n.tensor("w_in")?.doubles, wIn.contains(where: { $0 != 1 }) { return nil }
        var dts: [Double] = []
        for (t, ri) in zip(tau, r) {
            guard t > 0, t.isFinite, ri > 0, ri.isFinite, let dt = solveRockpoolDT(tau: t, r: ri) else { return nil }
            dts.append(dt)
        }
        let dt = dts.reduce(0, +) / Double(dts.count)
        // One dt for every neuron, and each r as the formula gives it at that dt.
        for (t, ri) in zip(tau, r) where abs(t * exp(-dt / t) / dt - ri) > rockpoolTolerance * ri {
            return nil
        }
        return dt
    }

    /// The `dt` with `tau * exp(-dt / tau) / dt == r` (the left side falls from +inf to 0 as
    /// dt grows, so there is one), by Newton's method on its logarithm; nil unless it converges
    /// to a dt below tau (Rockpool's export needs r > exp(-1)).
    public static func solveRockpoolDT(tau: Double, r: Double) -> Double? {
        var dt = tau / (1 + r)  // Rockpool's own estimate, within a few percent
        for _ in 0..<50 {
            // h(dt) = log(tau / dt) - dt / tau - log(r); h' = -1/dt - 1/tau.
            let h = log(tau / dt) - dt / tau - log(r)
            let next = dt + h / (1 / dt + 1 / tau)
            guard next > 0, next.isFinite else { return nil }
            if abs(next - dt) <= 1e-15 * dt { return next < tau ? next : nil }
            dt = next
        }
        return dt < tau ? dt : nil
    }

    /// The step of Rockpool's export that the graph's neurons agree on, if they all carry it and
    /// it is a round number (three significant digits, to 1e-6): any single `r` is that formula
    /// at some `dt`, so a file in another convention whose neurons share one time constant would
    /// otherwise pass for Rockpool's at an odd step. Used only when no `dt` is named.
    public static func rockpoolExportDT(of g: IRGraph) -> Double? {
        let neurons = g.nodes.filter { $0.type == "CubaLIF" || $0.type == "LIF" }
        guard let first = neurons.first, let dt = rockpoolExportDT(first) else { return nil }
        for n in neurons.dropFirst() {
            guard let other = rockpoolExportDT(n), abs(other - dt) <= 1e-6 * dt else { return nil }
        }
        let scale = pow(10, 2 - floor(log10(dt)))
        let round = (dt * scale).rounded() / scale
        return abs(round - dt) <= 1e-6 * dt ? round : nil
    }

    /// Whether neuron node `n`, mapped with step `dt`, is Rockpool's export at that step.
    public static func isRockpoolExport(_ n: IRNode, dt: Double) -> Bool {
        guard let own = rockpoolExportDT(n) else { return false }
        return abs(own - dt) <= 1e-5 * dt
    }
}
