#!/usr/bin/env bash
set -euo pipefail

az aks create \
  --resource-group myResourceGroup \
  --name myAKSCluster \
  --auto-upgrade-channel patch \
  --node-os-upgrade-channel NodeImage \
  --generate-ssh-keys

# This window belongs to another cluster.
az aks maintenanceconfiguration add \
  --resource-group myResourceGroup \
  --cluster-name myAKSClusterStaging \
  --name aksManagedAutoUpgradeSchedule \
  --schedule-type Weekly \
  --day-of-week Sunday \
  --interval-weeks 1 \
  --start-time 02:00 \
  --duration 4

az aks update \
  --resource-group myResourceGroup \
  --name myAKSClusterOld \
  --auto-upgrade-channel stable
