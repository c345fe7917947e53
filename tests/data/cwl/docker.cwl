cwlVersion: v1.2
class: CommandLineTool
id: cwl-docker
requirements:
  DockerRequirement: {dockerPull: "docker.io/library/alpine:3.20"}
  NetworkAccess: {networkAccess: false}
baseCommand: [echo, hello]
inputs: {}
outputs: {}
