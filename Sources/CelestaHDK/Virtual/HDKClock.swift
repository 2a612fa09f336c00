import CelestaXylo

/// How each dev kit turns a requested core clock into the one it runs, as its chip record says
/// (`ChipSpec.devKitClock`).
///
/// Xylo Audio 2 boards derive the core clock from a 100 MHz FPGA clock through a wait count:
/// `wait = int(round(100 / f_MHz) / 2 - 1)` (Python's rounding) (at least 0), running at `100 / (2 (wait + 1))`
/// MHz (`.dividedFPGAClock`). Xylo Audio 3 boards set the main clock as asked (`.asRequested`;
/// the PDM clock follows at f / 32).
public enum HDKClock {
    /// The clock a kit of `chip` runs when asked for `hertz` (`hertz` itself for a chip without
    /// a dev kit).
    public static func achievable(_ hertz: Double, chip: ChipSpec) -> Double {
        switch chip.devKitClock {
        case .dividedFPGAClock(let base):
            return base / Double(2 * (waitCount(hertz, baseHertz: base) + 1))
        case .asRequested, nil:
            return hertz
        }
    }

    /// The clock a kit of the chip `chipID` (any name `ChipTable` knows) runs when asked for
    /// `hertz` (`hertz` itself for an unknown chip).
    public static func achievable(_ hertz: Double, chipID: String) -> Double {
        guard let chip = try? ChipTable.chip(named: chipID) else { return hertz }
        return achievable(hertz, chip: chip)
    }

    /// The FPGA wait count written for a clock request on a kit that divides a `baseHertz` clock.
    public static func waitCount(_ hertz: Double, baseHertz: Double) -> Int {
        // Python's round() rounds halves to even; int() truncates toward zero.
        max(0, Int((baseHertz / 1e6 / (hertz / 1e6)).rounded(.toNearestOrEven) / 2 - 1))
    }
}
