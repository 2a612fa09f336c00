import ArgumentParser
import CelestaIR
import CelestaXylo

/// `celesta chips [NAME] [--json]`: the chip table.
struct ChipsCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "chips",
        abstract: "Show the supported chips and their hardware limits.",
        discussion: """
            With NAME (a chip id such as syns65302, a product name or an alias such as xa3), \
            show that chip only. Values of 0 mean "absent" (bias_bits) or "not published" \
            (max_recurrent_fanout_entries).
            """
    )

    @Argument(help: "Show only this chip (id, product name or alias).")
    var name: String?

    @Flag(help: "Print JSON (a list of objects) instead of a table.")
    var json = false

    func run() throws {
        let chips = try name.map { [try ChipTable.chip(named: $0)] } ?? ChipTable.all
        print(json ? Self.jsonText(chips) : Self.table(chips))
    }

    static func jsonText(_ chips: [ChipSpec]) -> String {
        JSONText.array(chips.map { chip in
            JSONText.object(chip.fields.map { ($0.key, $0.value.json) }, indent: "  ")
        })
    }

    /// Fields down, chips across.
    static func table(_ chips: [ChipSpec]) -> String {
        let rows = chips[0].fields.indices.map { i in
            [chips[0].fields[i].key] + chips.map { $0.fields[i].value.text }
        }
        let widths = (0..<(chips.count + 1)).map { col in rows.map { $0[col].count }.max() ?? 0 }
        return rows.map { row in
            row.enumerated().map { col, cell in
                cell.padding(toLength: widths[col], withPad: " ", startingAt: 0)
            }.joined(separator: "  ").trimmingTrailingSpaces()
        }.joined(separator: "\n")
    }
}

extension String {
    func padding(toLength length: Int, withPad pad: String, startingAt: Int) -> String {
        count >= length ? self : self + String(repeating: pad, count: length - count)
    }

    func trimmingTrailingSpaces() -> String {
        var s = self
        while s.last == " " { s.removeLast() }
        return s
    }
}
