cwlVersion: v1.2
class: CommandLineTool
id: cwl-slow
requirements:
  ToolTimeLimit: {timelimit: 1}
  ResourceRequirement: {coresMin: 1, ramMin: 16}
baseCommand: [sleep, "30"]
inputs: {}
outputs: {}
