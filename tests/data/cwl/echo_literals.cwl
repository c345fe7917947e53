cwlVersion: v1.2
class: CommandLineTool
id: cwl-echo-literals
label: Echo literals
doc: Prints every literal input it is given.
baseCommand: echo
requirements:
  InlineJavascriptRequirement: {}
inputs:
  text: {type: string, label: Some text, inputBinding: {position: 1, prefix: "text=", separate: false}}
  count: {type: int, inputBinding: {position: 2, prefix: "count=", separate: false}}
  ratio: {type: float, inputBinding: {position: 3, prefix: "ratio=", separate: false}}
  flag: {type: boolean, inputBinding: {position: 4, prefix: "flag"}}
  color:
    type: {type: enum, symbols: [red, green, blue]}
    inputBinding: {position: 5, prefix: "color=", separate: false}
  words: {type: "string[]", inputBinding: {position: 6, prefix: "words=", separate: false, itemSeparator: ","}}
  note: {type: "string?", inputBinding: {position: 7, prefix: "note=", separate: false}}
  level: {type: int, default: 7, inputBinding: {position: 8, prefix: "level=", separate: false}}
stdout: echo.txt
outputs:
  line: {type: string, outputBinding: {glob: echo.txt, loadContents: true, outputEval: "$(self[0].contents.trim())"}}
  next_count: {type: int, outputBinding: {outputEval: "$(inputs.count + 1)"}}
  double_ratio: {type: float, outputBinding: {outputEval: "$(inputs.ratio * 2)"}}
  flag_out: {type: boolean, outputBinding: {outputEval: "$(inputs.flag)"}}
