cwlVersion: v1.2
class: CommandLineTool
id: cwl-list-dir
requirements:
  InitialWorkDirRequirement: {listing: ["$(inputs.folder)"]}
  InlineJavascriptRequirement: {}
baseCommand: [ls, "-1"]
arguments: ["$(inputs.folder.basename)"]
inputs:
  folder: Directory
stdout: listing.txt
outputs:
  listing: {type: File, outputBinding: {glob: listing.txt}}
  names: {type: string, outputBinding: {glob: listing.txt, loadContents: true, outputEval: "$(self[0].contents.trim().split('\\n').join(','))"}}
  same_folder: {type: Directory, outputBinding: {glob: "$(inputs.folder.basename)"}}
