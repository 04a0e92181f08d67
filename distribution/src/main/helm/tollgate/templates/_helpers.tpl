{{/* The release's base name. */}}
{{- define "tollgate.fullname" -}}
{{- if contains "tollgate" .Release.Name -}}
{{- .Release.Name | trunc 50 | trimSuffix "-" -}}
{{- else -}}
{{- printf "%s-tollgate" .Release.Name | trunc 50 | trimSuffix "-" -}}
{{- end -}}
{{- end -}}

{{/* Labels every object carries. */}}
{{- define "tollgate.labels" -}}
app.kubernetes.io/name: tollgate
app.kubernetes.io/instance: {{ .Release.Name }}
app.kubernetes.io/version: {{ .Chart.AppVersion | quote }}
app.kubernetes.io/managed-by: {{ .Release.Service }}
helm.sh/chart: {{ printf "%s-%s" .Chart.Name .Chart.Version | replace "+" "_" }}
{{- end -}}

{{/* Selector labels of one component: (dict "root" $ "component" "controller"). */}}
{{- define "tollgate.selector" -}}
app.kubernetes.io/name: tollgate
app.kubernetes.io/instance: {{ .root.Release.Name }}
app.kubernetes.io/component: {{ .component }}
{{- end -}}

{{- define "tollgate.serverImage" -}}
{{ .Values.image.server.repository }}:{{ .Values.image.server.tag | default .Chart.AppVersion }}
{{- end -}}
{{- define "tollgate.controllerImage" -}}
{{ .Values.image.controller.repository }}:{{ .Values.image.controller.tag | default .Chart.AppVersion }}
{{- end -}}

{{- define "tollgate.serverService" -}}{{ include "tollgate.fullname" . }}-server{{- end -}}
{{- define "tollgate.ratelimitService" -}}{{ include "tollgate.fullname" . }}-ratelimit{{- end -}}
{{- define "tollgate.redisService" -}}{{ include "tollgate.fullname" . }}-redis{{- end -}}

{{/* The name Tollgate's certificate carries. */}}
{{- define "tollgate.serverName" -}}
{{- .Values.tls.serverName | default (printf "%s.%s.svc" (include "tollgate.serverService" .) .Release.Namespace) -}}
{{- end -}}

{{- define "tollgate.checks" -}}
{{- if not (has .Values.topology (list "sidecar" "service")) -}}
{{- fail (printf "topology: %q is not sidecar or service" .Values.topology) -}}
{{- end -}}
{{- if and .Values.tls.enabled (eq .Values.topology "sidecar") -}}
{{- fail "tls.enabled: the sidecar's unix socket is always plaintext (it never leaves the pod); use topology: service for TLS between Envoy and Tollgate" -}}
{{- end -}}
{{- if and .Values.tls.mutual (not .Values.tls.enabled) -}}
{{- fail "tls.mutual needs tls.enabled" -}}
{{- end -}}
{{- $sources := 0 -}}
{{- range (list .Values.plugins.image .Values.plugins.persistentVolumeClaim .Values.plugins.configMap) -}}
{{- if . }}{{ $sources = add1 $sources }}{{ end -}}
{{- end -}}
{{- if gt $sources 1 -}}
{{- fail "plugins: give one of image, persistentVolumeClaim and configMap" -}}
{{- end -}}
{{- end -}}

{{/* The plugins.d volume. */}}
{{- define "tollgate.pluginsVolume" -}}
- name: plugins-d
{{- if .Values.plugins.persistentVolumeClaim }}
  persistentVolumeClaim:
    claimName: {{ .Values.plugins.persistentVolumeClaim }}
    readOnly: true
{{- else if .Values.plugins.configMap }}
  configMap:
    name: {{ .Values.plugins.configMap }}
{{- else }}
  emptyDir: {}
{{- end }}
{{- end -}}

{{/* The initContainer copying the plugin image's zips (only with plugins.image). */}}
{{- define "tollgate.pluginsInit" -}}
{{- if .Values.plugins.image }}
- name: plugins
  image: {{ .Values.plugins.image }}
  imagePullPolicy: {{ .Values.image.pullPolicy }}
  command: [sh, -c, 'cp {{ .Values.plugins.path }}/*.zip /opt/tollgate/plugins.d/']
  securityContext: {{- toYaml .Values.containerSecurityContext | nindent 4 }}
  resources:
    requests: {cpu: 10m, memory: 16Mi}
    limits: {memory: 64Mi}
  volumeMounts:
    - name: plugins-d
      mountPath: /opt/tollgate/plugins.d
{{- end }}
{{- end -}}

{{/* Prometheus' scrape annotations for Tollgate's admin port. */}}
{{- define "tollgate.scrapeAnnotations" -}}
{{- if .Values.metrics.annotations }}
prometheus.io/scrape: "true"
prometheus.io/port: {{ .Values.server.adminPort | quote }}
prometheus.io/path: /metrics
{{- end }}
{{- end -}}

{{/*
Tollgate's container: (dict "root" $ "sidecar" true|false). The gateway config is the Secret the
controller writes (--output-secret), reloaded when it changes.
*/}}
{{- define "tollgate.serverContainer" -}}
{{- $v := .root.Values -}}
- name: tollgate
  image: {{ include "tollgate.serverImage" .root }}
  imagePullPolicy: {{ $v.image.pullPolicy }}
  args:
    - run
    - --config
    - /etc/tollgate/gateway/config.yaml
    - --plugins
    - /opt/tollgate/plugins:/opt/tollgate/plugins.d
    - --admin-host
    - 0.0.0.0
    - --admin-port
    - {{ $v.server.adminPort | quote }}
    - --port
    - {{ $v.server.extprocPort | quote }}
{{- if .sidecar }}
    - --host
    - 127.0.0.1
    - --uds
    - /run/tollgate/ext_proc.sock
{{- else }}
    - --host
    - 0.0.0.0
{{- end }}
{{- if $v.tls.enabled }}
    - --tls-cert
    - /etc/tollgate/tls/tls.crt
    - --tls-key
    - /etc/tollgate/tls/tls.key
{{- if $v.tls.mutual }}
    - --tls-client-ca
    - /etc/tollgate/client-ca/ca.crt
{{- end }}
{{- end }}
{{- range $v.server.extraArgs }}
    - {{ . | quote }}
{{- end }}
  env:
    - name: TOLLGATE_WORK_DIR
      value: /tmp/tollgate-work
{{- with $v.server.env }}
{{- toYaml . | nindent 4 }}
{{- end }}
  ports:
{{- if not .sidecar }}
    - name: extproc
      containerPort: {{ $v.server.extprocPort }}
{{- end }}
    - name: admin
      containerPort: {{ $v.server.adminPort }}
  readinessProbe:
    httpGet:
      path: /healthz
      port: admin
    periodSeconds: 5
    failureThreshold: 1
  livenessProbe:
    httpGet:
      path: /healthz
      port: admin
    initialDelaySeconds: 10
    periodSeconds: 10
    # /healthz is 503 while Tollgate drains at shutdown: not a reason to kill it
    failureThreshold: 3
  startupProbe:
    httpGet:
      path: /healthz
      port: admin
    periodSeconds: 2
    failureThreshold: 60
  resources: {{- toYaml $v.server.resources | nindent 4 }}
  securityContext: {{- toYaml $v.containerSecurityContext | nindent 4 }}
  volumeMounts:
    - name: gateway-config
      mountPath: /etc/tollgate/gateway
      readOnly: true
    - name: plugins-d
      mountPath: /opt/tollgate/plugins.d
      readOnly: true
    - name: tmp
      mountPath: /tmp
{{- if .sidecar }}
    - name: extproc-socket
      mountPath: /run/tollgate
{{- end }}
{{- if $v.tls.enabled }}
    - name: tls
      mountPath: /etc/tollgate/tls
      readOnly: true
{{- if $v.tls.mutual }}
    - name: client-ca
      mountPath: /etc/tollgate/client-ca
      readOnly: true
{{- end }}
{{- end }}
{{- end -}}

{{/* The volumes Tollgate's container mounts. */}}
{{- define "tollgate.serverVolumes" -}}
{{- $v := .root.Values -}}
- name: gateway-config
  secret:
    secretName: {{ $v.controller.outputName }}
- name: tmp
  emptyDir: {}
{{ include "tollgate.pluginsVolume" .root }}
{{- if $v.tls.enabled }}
- name: tls
  secret:
    secretName: {{ $v.tls.secretName }}
{{- if $v.tls.mutual }}
- name: client-ca
  secret:
    secretName: {{ $v.tls.clientSecretName }}
    items:
      - key: ca.crt
        path: ca.crt
{{- end }}
{{- end }}
{{- end -}}
