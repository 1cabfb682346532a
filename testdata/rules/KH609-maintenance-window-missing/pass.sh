#!/usr/bin/env bash
set -euo pipefail

az aks create \
  --resource-group myResourceGroup \
  -n myAKSCluster \
  --auto-upgrade-channel patch \
  --node-os-upgrade-channel NodeImage \
  --generate-ssh-keys

az aks maintenanceconfiguration add \
  --resource-group myResourceGroup \
  --cluster-name myAKSCluster \
  --name aksManagedAutoUpgradeSchedule \
  --schedule-type Weekly \
  --day-of-week Sunday \
  --interval-weeks 1 \
  --start-time 02:00 \
  --utc-offset +00:00 \
  --duration 4

az aks maintenanceconfiguration add \
  --resource-group myResourceGroup \
  --cluster-name myAKSCluster \
  --name aksManagedNodeOSUpgradeSchedule \
  --schedule-type Weekly \
  --day-of-week Saturday \
  --interval-weeks 1 \
  --start-time 02:00 \
  --duration 4

# No automatic upgrades, so no window is needed (KH607 reports this one).
az aks create \
  --resource-group myResourceGroup \
  --name myAKSClusterPinned \
  --auto-upgrade-channel none \
  --generate-ssh-keys

az aks update \
  --resource-group myResourceGroup \
  --name myAKSClusterDev \
  --auto-upgrade-channel $UPGRADE_CHANNEL
