cwlVersion: v1.2
class: CommandLineTool
id: cwl-cat
baseCommand: cat
$namespaces: {iana: "https://www.iana.org/assignments/media-types/"}
inputs:
  file: {type: File, format: "iana:text/plain", inputBinding: {position: 1}}
stdout: copy.txt
outputs:
  copy: {type: stdout, format: "iana:text/plain"}
