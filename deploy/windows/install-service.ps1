<#
.SYNOPSIS
  Installs Battery MES as a Windows service that starts with the machine and restarts on failure.
.DESCRIPTION
  Run in an administrator PowerShell from the installation folder (default C:\BatteryMes), which holds BatteryMes.exe,
  appsettings.json and templates\ (the win-x64 publish output, see VM_DEPLOYMENT_GUIDE.md).
  Uses Microsoft's documented commands: New-Service, sc.exe failure, New-NetFirewallRule, Start-Service.
.EXAMPLE
  powershell -ExecutionPolicy Bypass -File C:\BatteryMes\install-service.ps1 -HttpPort 8501 -HttpsPort 8543
#>
param(
    [string]$InstallFolder = $PSScriptRoot,
    [string]$ServiceName = "BatteryMes",
    [int]$HttpPort = 8501,
    [int]$HttpsPort = 8543
)
$ErrorActionPreference = "Stop"

$exe = Join-Path $InstallFolder "BatteryMes.exe"
if (-not (Test-Path $exe)) { throw "BatteryMes.exe not found in $InstallFolder. Copy the win-x64 publish output there first." }

if (Get-Service -Name $ServiceName -ErrorAction SilentlyContinue) {
    Write-Host "Service $ServiceName exists; stopping it to update its settings."
    Stop-Service -Name $ServiceName -ErrorAction SilentlyContinue
    sc.exe delete $ServiceName | Out-Null
    Start-Sleep -Seconds 2
}

# The event log source the service writes to (the service account itself may not create it).
if (-not [System.Diagnostics.EventLog]::SourceExists($ServiceName)) {
    [System.Diagnostics.EventLog]::CreateEventSource($ServiceName, "Application")
}

# LocalService is a low-privilege built-in account; it needs write access to the installation folder
# (database in data\, backups\, excel_reports\, qr_codes\, logs\).
New-Service -Name $ServiceName -BinaryPathName "`"$exe`"" -DisplayName "Battery MES" `
    -Description "Battery MES - battery pack assembly line (http://localhost:$HttpPort)" -StartupType Automatic
sc.exe config $ServiceName obj= "NT AUTHORITY\LocalService" | Out-Null
icacls $InstallFolder /grant "NT AUTHORITY\LocalService:(OI)(CI)M" /T /Q | Out-Null
# Restart after 5 s on the first three failures; reset the count after a day.
sc.exe failure $ServiceName reset= 86400 actions= restart/5000/restart/5000/restart/5000 | Out-Null

foreach ($port in @($HttpPort, $HttpsPort)) {
    $rule = "Battery MES TCP $port"
    if (-not (Get-NetFirewallRule -DisplayName $rule -ErrorAction SilentlyContinue)) {
        New-NetFirewallRule -DisplayName $rule -Direction Inbound -Protocol TCP -LocalPort $port -Action Allow -Profile Domain,Private | Out-Null
    }
}

Start-Service -Name $ServiceName
Get-Service -Name $ServiceName
Write-Host "Check: http://localhost:$HttpPort/health  - logs: $InstallFolder\logs and the Windows Event Log (Application, source $ServiceName)."
