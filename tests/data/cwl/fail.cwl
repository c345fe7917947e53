cwlVersion: v1.2
class: CommandLineTool
id: cwl-fail
baseCommand: [sh, -c]
arguments: ["echo 'cannot open the moon.dat input' >&2; exit 3"]
inputs: {}
outputs: {}
