cwlVersion: v1.2
class: CommandLineTool
id: cwl-append
baseCommand: [printf, "%s-%s"]
inputs:
  text: {type: string, inputBinding: {position: 1}}
  suffix: {type: string, inputBinding: {position: 2}}
stdout: out.txt
outputs:
  result: {type: string, outputBinding: {glob: out.txt, loadContents: true, outputEval: "$(self[0].contents)"}}
