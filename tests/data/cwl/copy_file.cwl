cwlVersion: v1.2
class: CommandLineTool
id: cwl-copy
baseCommand: cp
inputs:
  source: {type: File, inputBinding: {position: 1}}
  name: {type: string, default: copy.txt, inputBinding: {position: 2}}
outputs:
  copied: {type: File, outputBinding: {glob: $(inputs.name)}}
