{{/* Names: <release>-payflow, or the release name when it already contains "payflow". */}}
{{- define "payflow.name" -}}
{{- default .Chart.Name .Values.nameOverride | trunc 63 | trimSuffix "-" -}}
{{- end -}}

{{- define "payflow.fullname" -}}
{{- if .Values.fullnameOverride -}}
{{- .Values.fullnameOverride | trunc 63 | trimSuffix "-" -}}
{{- else -}}
{{- $name := default .Chart.Name .Values.nameOverride -}}
{{- if contains $name .Release.Name -}}
{{- .Release.Name | trunc 63 | trimSuffix "-" -}}
{{- else -}}
{{- printf "%s-%s" .Release.Name $name | trunc 63 | trimSuffix "-" -}}
{{- end -}}
{{- end -}}
{{- end -}}

{{/* <fullname>-<component>, e.g. payflow-api. Call with (list $ "api"). */}}
{{- define "payflow.componentName" -}}
{{- $root := index . 0 -}}
{{- printf "%s-%s" (include "payflow.fullname" $root) (index . 1) | trunc 63 | trimSuffix "-" -}}
{{- end -}}

{{- define "payflow.labels" -}}
helm.sh/chart: {{ printf "%s-%s" .Chart.Name .Chart.Version | replace "+" "_" }}
app.kubernetes.io/name: {{ include "payflow.name" . }}
app.kubernetes.io/instance: {{ .Release.Name }}
app.kubernetes.io/version: {{ .Chart.AppVersion | quote }}
app.kubernetes.io/managed-by: {{ .Release.Service }}
app.kubernetes.io/part-of: payflow
{{- with .Values.commonLabels }}
{{ toYaml . }}
{{- end }}
{{- end -}}

{{/* Labels of one component's objects. Call with (list $ "api"). */}}
{{- define "payflow.componentLabels" -}}
{{ include "payflow.labels" (index . 0) }}
app.kubernetes.io/component: {{ index . 1 }}
{{- end -}}

{{/* Selector labels of one component's pods. Call with (list $ "api"). */}}
{{- define "payflow.selectorLabels" -}}
app.kubernetes.io/name: {{ include "payflow.name" (index . 0) }}
app.kubernetes.io/instance: {{ (index . 0).Release.Name }}
app.kubernetes.io/component: {{ index . 1 }}
{{- end -}}

{{/* repository:tag, the tag defaulting to the chart's appVersion. Call with (list $ .Values.api.image). */}}
{{- define "payflow.image" -}}
{{- $root := index . 0 -}}
{{- $img := index . 1 -}}
{{- printf "%s:%s" $img.repository (default $root.Chart.AppVersion $img.tag) -}}
{{- end -}}

{{/* The ServiceAccount of a component. Call with (list $ "api"). */}}
{{- define "payflow.serviceAccountName" -}}
{{- $root := index . 0 -}}
{{- $c := index $root.Values (index . 1) -}}
{{- if $c.serviceAccount.create -}}
{{- default (include "payflow.componentName" .) $c.serviceAccount.name -}}
{{- else -}}
{{- default "default" $c.serviceAccount.name -}}
{{- end -}}
{{- end -}}

{{/* The credentials Secret of a component. Call with (list $ "api"). */}}
{{- define "payflow.secretName" -}}
{{- $root := index . 0 -}}
{{- $c := index $root.Values (index . 1) -}}
{{- $name := default $root.Values.existingSecret $c.existingSecret -}}
{{- required (printf "existingSecret (or %s.existingSecret) must name a Secret with the credentials" (index . 1)) $name -}}
{{- end -}}

{{/* One env entry per key of a component's config map, values as strings. */}}
{{- define "payflow.configEnv" -}}
{{- range $k, $v := . }}
- name: {{ $k }}
  value: {{ toString $v | quote }}
{{- end }}
{{- end -}}

{{/* An env entry read from a Secret key. Call with (list "NAME" secret optional). */}}
{{- define "payflow.secretEnv" -}}
- name: {{ index . 0 }}
  valueFrom:
    secretKeyRef:
      name: {{ index . 1 }}
      key: {{ index . 0 }}
      {{- if index . 2 }}
      optional: true
      {{- end }}
{{- end -}}

{{/* The SQS settings every component shares. */}}
{{- define "payflow.sqsEnv" -}}
- name: AWS_REGION
  value: {{ .Values.sqs.region | quote }}
{{- with .Values.sqs.endpoint }}
- name: SQS_ENDPOINT
  value: {{ . | quote }}
{{- end }}
{{- end -}}

{{/* Spread over nodes and zones unless the user gave constraints. Call with (list $ "api" .Values.api). */}}
{{- define "payflow.topologySpread" -}}
{{- $root := index . 0 -}}
{{- $c := index . 2 -}}
{{- if $c.topologySpreadConstraints -}}
{{ toYaml $c.topologySpreadConstraints }}
{{- else -}}
{{- range $key := list "kubernetes.io/hostname" "topology.kubernetes.io/zone" }}
- maxSkew: 1
  topologyKey: {{ $key }}
  whenUnsatisfiable: ScheduleAnyway
  labelSelector:
    matchLabels:
      {{- include "payflow.selectorLabels" (list $root (index $ 1)) | nindent 6 }}
  # Per revision: during a rolling update the old ReplicaSet's pods, about to go, do not push
  # the new ones together.
  matchLabelKeys:
    - pod-template-hash
{{- end }}
{{- end -}}
{{- end -}}

{{/* A writable /tmp on a read-only root filesystem. */}}
{{- define "payflow.tmpVolume" -}}
- name: tmp
  emptyDir:
    sizeLimit: 256Mi
{{- end -}}
