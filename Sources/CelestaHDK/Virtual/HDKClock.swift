/// How each dev kit turns a requested core clock into the one it runs.
///
/// Xylo Audio 2 boards derive the core clock from a 100 MHz FPGA clock through a wait count:
/// `wait = int(round(100 / f_MHz) / 2 - 1)` (Python's rounding) (at least 0), running at `100 / (2 (wait + 1))`
/// MHz. Xylo Audio 3 boards set the main clock as asked (the PDM clock follows at f / 32).
public enum HDKClock {
    /// The clock a kit of `chipID` runs when asked for `hertz`.
    public static func achievable(_ hertz: Double, chipID: String) -> Double {
        guard chipID == "syns61201" else { return hertz }
        return 100e6 / Double(2 * (xyloAudio2WaitCount(hertz) + 1))
    }

    /// The FPGA wait count written for an Xylo Audio 2 clock request (see the type).
    public static func xyloAudio2WaitCount(_ hertz: Double) -> Int {
        // Python's round() rounds halves to even; int() truncates toward zero.
        max(0, Int((100 / (hertz / 1e6)).rounded(.toNearestOrEven) / 2 - 1))
    }
}
